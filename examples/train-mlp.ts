import { data, manualSeed, nn, noGrad, optim, tidy } from '../src/index.js';
import { loadMnist, save } from '../src/node.js';

manualSeed(0);
const { train, test } = loadMnist(); // 8000 / 2000 real digits, float32 in [0, 1]
const model = new nn.Sequential(
  new nn.Linear(784, 128),
  new nn.BatchNorm1d(128), // impl: 'fused' (default) or 'composite'
  new nn.ReLU(),
  new nn.Linear(128, 10),
);
const lossFn = new nn.CrossEntropyLoss();
const optimizer = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
const loader = new data.DataLoader(new data.TensorDataset(train.images, train.labels), {
  batchSize: 64,
  shuffle: true,
});

for (let epoch = 1; epoch <= 2; epoch++) {
  model.train();
  for (const [x, y] of loader) {
    tidy(() => {
      optimizer.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      optimizer.step();
    });
  }
  model.eval();
  const predicted = noGrad(() => model.forward(test.images)).argmax(1);
  const accuracy = predicted.eq(test.labels).float().mean().item();
  console.log(`epoch ${epoch}: test accuracy ${(accuracy * 100).toFixed(1)}%`);
}

// Hand the weights to PyTorch: same keys (0.weight, 1.running_mean, …), safetensors format.
save(model.stateDict(), 'mlp.safetensors');
