import { tensor } from '../src/index.js';

const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
const w = tensor([0.5, -0.25], { requiresGrad: true });
const loss = x.matmul(w).tanh().square().mean();
loss.backward();
console.log(loss.toString());
console.log(x.grad!.toString());
console.log(w.grad!.toString());
