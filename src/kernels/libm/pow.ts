/*
 * glibc 2.36's pow() as it runs on x86_64 with FMA: the `__ieee754_pow_fma` ifunc variant of
 * sysdeps/ieee754/dbl-64/e_pow.c, e_pow_log_data.c and e_exp_data.c, which glibc took from Arm's
 * optimized-routines:
 *
 *   math/pow.c, math/pow_log_data.c, math/exp_data.c
 *   Copyright (c) 2018, Arm Limited.
 *   SPDX-License-Identifier: MIT OR Apache-2.0 WITH LLVM-exception
 *
 * Why these ports exist, and which build they follow: ./index.ts. The tables were read back from
 * `__pow_log_data` and `__exp_data` in libm.so.6 and match the upstream sources. Its callers:
 * Python's `float ** float`, i.e. Adam's bias corrections (`1 - beta1 ** step`) and StepLR's
 * `gamma ** k`. V8's Math.pow rounds differently from it in about 5% of the cases an optimizer
 * meets (Math.pow gives 0.9 ** 4 = 0.6561000000000001, glibc 0.6561).
 *
 * Scope: the whole function (special cases, subnormals, overflow and underflow).
 */
import { asdouble, asuint64, hexFloat } from './bits.js';
import { fma } from './fma.js';

const u64wrap = (x: bigint): bigint => BigInt.asUintN(64, x);

const LN2HI = hexFloat('0x1.62e42fefa3800p-1');
const LN2LO = hexFloat('0x1.ef35793c76730p-45');
// __pow_log_data.poly: log1p(r) ~ r + A0 r^2 + ... with A0 = -0.5 (POW_LOG_POLY_ORDER = 8).
const A0 = -0.5;
const A1 = hexFloat('-0x1.5555555555560p-1');
const A2 = hexFloat('0x1.0000000000006p-1');
const A3 = hexFloat('0x1.999999959554ep-1');
const A4 = hexFloat('-0x1.555555529a47ap-1');
const A5 = hexFloat('-0x1.2495b9b4845e9p+0');
const A6 = hexFloat('0x1.0002b8b263fc3p+0');

/**
 * __pow_log_data.tab (POW_LOG_TABLE_BITS = 7): per row invc, logc, logctail (the pad column is
 * zero). z in [OFF, 2 OFF) is split into 128 subintervals, c is near the centre of the ith,
 * invc = 1/c, and logc + logctail = log(c) to about 2^-102.
 */
const POW_LOG_TAB = Float64Array.from(
  `
0x1.6a00000000000p+0 -0x1.62c82f2b9c800p-2 0x1.ab42428375680p-48
0x1.6800000000000p+0 -0x1.5d1bdbf580800p-2 -0x1.ca508d8e0f720p-46
0x1.6600000000000p+0 -0x1.5767717455800p-2 -0x1.362a4d5b6506dp-45
0x1.6400000000000p+0 -0x1.51aad872df800p-2 -0x1.684e49eb067d5p-49
0x1.6200000000000p+0 -0x1.4be5f95777800p-2 -0x1.41b6993293ee0p-47
0x1.6000000000000p+0 -0x1.4618bc21c6000p-2 0x1.3d82f484c84ccp-46
0x1.5e00000000000p+0 -0x1.404308686a800p-2 0x1.c42f3ed820b3ap-50
0x1.5c00000000000p+0 -0x1.3a64c55694800p-2 0x1.0b1c686519460p-45
0x1.5a00000000000p+0 -0x1.347dd9a988000p-2 0x1.5594dd4c58092p-45
0x1.5800000000000p+0 -0x1.2e8e2bae12000p-2 0x1.67b1e99b72bd8p-45
0x1.5600000000000p+0 -0x1.2895a13de8800p-2 0x1.5ca14b6cfb03fp-46
0x1.5600000000000p+0 -0x1.2895a13de8800p-2 0x1.5ca14b6cfb03fp-46
0x1.5400000000000p+0 -0x1.22941fbcf7800p-2 -0x1.65a242853da76p-46
0x1.5200000000000p+0 -0x1.1c898c1699800p-2 -0x1.fafbc68e75404p-46
0x1.5000000000000p+0 -0x1.1675cababa800p-2 0x1.f1fc63382a8f0p-46
0x1.4e00000000000p+0 -0x1.1058bf9ae4800p-2 -0x1.6a8c4fd055a66p-45
0x1.4c00000000000p+0 -0x1.0a324e2739000p-2 -0x1.c6bee7ef4030ep-47
0x1.4a00000000000p+0 -0x1.0402594b4d000p-2 -0x1.036b89ef42d7fp-48
0x1.4a00000000000p+0 -0x1.0402594b4d000p-2 -0x1.036b89ef42d7fp-48
0x1.4800000000000p+0 -0x1.fb9186d5e4000p-3 0x1.d572aab993c87p-47
0x1.4600000000000p+0 -0x1.ef0adcbdc6000p-3 0x1.b26b79c86af24p-45
0x1.4400000000000p+0 -0x1.e27076e2af000p-3 -0x1.72f4f543fff10p-46
0x1.4200000000000p+0 -0x1.d5c216b4fc000p-3 0x1.1ba91bbca681bp-45
0x1.4000000000000p+0 -0x1.c8ff7c79aa000p-3 0x1.7794f689f8434p-45
0x1.4000000000000p+0 -0x1.c8ff7c79aa000p-3 0x1.7794f689f8434p-45
0x1.3e00000000000p+0 -0x1.bc286742d9000p-3 0x1.94eb0318bb78fp-46
0x1.3c00000000000p+0 -0x1.af3c94e80c000p-3 0x1.a4e633fcd9066p-52
0x1.3a00000000000p+0 -0x1.a23bc1fe2b000p-3 -0x1.58c64dc46c1eap-45
0x1.3a00000000000p+0 -0x1.a23bc1fe2b000p-3 -0x1.58c64dc46c1eap-45
0x1.3800000000000p+0 -0x1.9525a9cf45000p-3 -0x1.ad1d904c1d4e3p-45
0x1.3600000000000p+0 -0x1.87fa06520d000p-3 0x1.bbdbf7fdbfa09p-45
0x1.3400000000000p+0 -0x1.7ab890210e000p-3 0x1.bdb9072534a58p-45
0x1.3400000000000p+0 -0x1.7ab890210e000p-3 0x1.bdb9072534a58p-45
0x1.3200000000000p+0 -0x1.6d60fe719d000p-3 -0x1.0e46aa3b2e266p-46
0x1.3000000000000p+0 -0x1.5ff3070a79000p-3 -0x1.e9e439f105039p-46
0x1.3000000000000p+0 -0x1.5ff3070a79000p-3 -0x1.e9e439f105039p-46
0x1.2e00000000000p+0 -0x1.526e5e3a1b000p-3 -0x1.0de8b90075b8fp-45
0x1.2c00000000000p+0 -0x1.44d2b6ccb8000p-3 0x1.70cc16135783cp-46
0x1.2c00000000000p+0 -0x1.44d2b6ccb8000p-3 0x1.70cc16135783cp-46
0x1.2a00000000000p+0 -0x1.371fc201e9000p-3 0x1.178864d27543ap-48
0x1.2800000000000p+0 -0x1.29552f81ff000p-3 -0x1.48d301771c408p-45
0x1.2600000000000p+0 -0x1.1b72ad52f6000p-3 -0x1.e80a41811a396p-45
0x1.2600000000000p+0 -0x1.1b72ad52f6000p-3 -0x1.e80a41811a396p-45
0x1.2400000000000p+0 -0x1.0d77e7cd09000p-3 0x1.a699688e85bf4p-47
0x1.2400000000000p+0 -0x1.0d77e7cd09000p-3 0x1.a699688e85bf4p-47
0x1.2200000000000p+0 -0x1.fec9131dbe000p-4 -0x1.575545ca333f2p-45
0x1.2000000000000p+0 -0x1.e27076e2b0000p-4 0x1.a342c2af0003cp-45
0x1.2000000000000p+0 -0x1.e27076e2b0000p-4 0x1.a342c2af0003cp-45
0x1.1e00000000000p+0 -0x1.c5e548f5bc000p-4 -0x1.d0c57585fbe06p-46
0x1.1c00000000000p+0 -0x1.a926d3a4ae000p-4 0x1.53935e85baac8p-45
0x1.1c00000000000p+0 -0x1.a926d3a4ae000p-4 0x1.53935e85baac8p-45
0x1.1a00000000000p+0 -0x1.8c345d631a000p-4 0x1.37c294d2f5668p-46
0x1.1a00000000000p+0 -0x1.8c345d631a000p-4 0x1.37c294d2f5668p-46
0x1.1800000000000p+0 -0x1.6f0d28ae56000p-4 -0x1.69737c93373dap-45
0x1.1600000000000p+0 -0x1.51b073f062000p-4 0x1.f025b61c65e57p-46
0x1.1600000000000p+0 -0x1.51b073f062000p-4 0x1.f025b61c65e57p-46
0x1.1400000000000p+0 -0x1.341d7961be000p-4 0x1.c5edaccf913dfp-45
0x1.1400000000000p+0 -0x1.341d7961be000p-4 0x1.c5edaccf913dfp-45
0x1.1200000000000p+0 -0x1.16536eea38000p-4 0x1.47c5e768fa309p-46
0x1.1000000000000p+0 -0x1.f0a30c0118000p-5 0x1.d599e83368e91p-45
0x1.1000000000000p+0 -0x1.f0a30c0118000p-5 0x1.d599e83368e91p-45
0x1.0e00000000000p+0 -0x1.b42dd71198000p-5 0x1.c827ae5d6704cp-46
0x1.0e00000000000p+0 -0x1.b42dd71198000p-5 0x1.c827ae5d6704cp-46
0x1.0c00000000000p+0 -0x1.77458f632c000p-5 -0x1.cfc4634f2a1eep-45
0x1.0c00000000000p+0 -0x1.77458f632c000p-5 -0x1.cfc4634f2a1eep-45
0x1.0a00000000000p+0 -0x1.39e87b9fec000p-5 0x1.502b7f526feaap-48
0x1.0a00000000000p+0 -0x1.39e87b9fec000p-5 0x1.502b7f526feaap-48
0x1.0800000000000p+0 -0x1.f829b0e780000p-6 -0x1.980267c7e09e4p-45
0x1.0800000000000p+0 -0x1.f829b0e780000p-6 -0x1.980267c7e09e4p-45
0x1.0600000000000p+0 -0x1.7b91b07d58000p-6 -0x1.88d5493faa639p-45
0x1.0400000000000p+0 -0x1.fc0a8b0fc0000p-7 -0x1.f1e7cf6d3a69cp-50
0x1.0400000000000p+0 -0x1.fc0a8b0fc0000p-7 -0x1.f1e7cf6d3a69cp-50
0x1.0200000000000p+0 -0x1.fe02a6b100000p-8 -0x1.9e23f0dda40e4p-46
0x1.0200000000000p+0 -0x1.fe02a6b100000p-8 -0x1.9e23f0dda40e4p-46
0x1.0000000000000p+0 0x0.0p+0 0x0.0p+0
0x1.0000000000000p+0 0x0.0p+0 0x0.0p+0
0x1.fc00000000000p-1 0x1.0101575890000p-7 -0x1.0c76b999d2be8p-46
0x1.f800000000000p-1 0x1.0205658938000p-6 -0x1.3dc5b06e2f7d2p-45
0x1.f400000000000p-1 0x1.8492528c90000p-6 -0x1.aa0ba325a0c34p-45
0x1.f000000000000p-1 0x1.0415d89e74000p-5 0x1.111c05cf1d753p-47
0x1.ec00000000000p-1 0x1.466aed42e0000p-5 -0x1.c167375bdfd28p-45
0x1.e800000000000p-1 0x1.894aa149fc000p-5 -0x1.97995d05a267dp-46
0x1.e400000000000p-1 0x1.ccb73cdddc000p-5 -0x1.a68f247d82807p-46
0x1.e200000000000p-1 0x1.eea31c006c000p-5 -0x1.e113e4fc93b7bp-47
0x1.de00000000000p-1 0x1.1973bd1466000p-4 -0x1.5325d560d9e9bp-45
0x1.da00000000000p-1 0x1.3bdf5a7d1e000p-4 0x1.cc85ea5db4ed7p-45
0x1.d600000000000p-1 0x1.5e95a4d97a000p-4 -0x1.c69063c5d1d1ep-45
0x1.d400000000000p-1 0x1.700d30aeac000p-4 0x1.c1e8da99ded32p-49
0x1.d000000000000p-1 0x1.9335e5d594000p-4 0x1.3115c3abd47dap-45
0x1.cc00000000000p-1 0x1.b6ac88dad6000p-4 -0x1.390802bf768e5p-46
0x1.ca00000000000p-1 0x1.c885801bc4000p-4 0x1.646d1c65aacd3p-45
0x1.c600000000000p-1 0x1.ec739830a2000p-4 -0x1.dc068afe645e0p-45
0x1.c400000000000p-1 0x1.fe89139dbe000p-4 -0x1.534d64fa10afdp-45
0x1.c000000000000p-1 0x1.1178e8227e000p-3 0x1.1ef78ce2d07f2p-45
0x1.be00000000000p-1 0x1.1aa2b7e23f000p-3 0x1.ca78e44389934p-45
0x1.ba00000000000p-1 0x1.2d1610c868000p-3 0x1.39d6ccb81b4a1p-47
0x1.b800000000000p-1 0x1.365fcb0159000p-3 0x1.62fa8234b7289p-51
0x1.b400000000000p-1 0x1.4913d8333b000p-3 0x1.5837954fdb678p-45
0x1.b200000000000p-1 0x1.527e5e4a1b000p-3 0x1.633e8e5697dc7p-45
0x1.ae00000000000p-1 0x1.6574ebe8c1000p-3 0x1.9cf8b2c3c2e78p-46
0x1.ac00000000000p-1 0x1.6f0128b757000p-3 -0x1.5118de59c21e1p-45
0x1.aa00000000000p-1 0x1.7898d85445000p-3 -0x1.c661070914305p-46
0x1.a600000000000p-1 0x1.8beafeb390000p-3 -0x1.73d54aae92cd1p-47
0x1.a400000000000p-1 0x1.95a5adcf70000p-3 0x1.7f22858a0ff6fp-47
0x1.a000000000000p-1 0x1.a93ed3c8ae000p-3 -0x1.8724350562169p-45
0x1.9e00000000000p-1 0x1.b31d8575bd000p-3 -0x1.c358d4eace1aap-47
0x1.9c00000000000p-1 0x1.bd087383be000p-3 -0x1.d4bc4595412b6p-45
0x1.9a00000000000p-1 0x1.c6ffbc6f01000p-3 -0x1.1ec72c5962bd2p-48
0x1.9600000000000p-1 0x1.db13db0d49000p-3 -0x1.aff2af715b035p-45
0x1.9400000000000p-1 0x1.e530effe71000p-3 0x1.212276041f430p-51
0x1.9200000000000p-1 0x1.ef5ade4dd0000p-3 -0x1.a211565bb8e11p-51
0x1.9000000000000p-1 0x1.f991c6cb3b000p-3 0x1.bcbecca0cdf30p-46
0x1.8c00000000000p-1 0x1.07138604d5800p-2 0x1.89cdb16ed4e91p-48
0x1.8a00000000000p-1 0x1.0c42d67616000p-2 0x1.7188b163ceae9p-45
0x1.8800000000000p-1 0x1.1178e8227e800p-2 -0x1.c210e63a5f01cp-45
0x1.8600000000000p-1 0x1.16b5ccbacf800p-2 0x1.b9acdf7a51681p-45
0x1.8400000000000p-1 0x1.1bf99635a6800p-2 0x1.ca6ed5147bdb7p-45
0x1.8200000000000p-1 0x1.214456d0eb800p-2 0x1.a87deba46baeap-47
0x1.7e00000000000p-1 0x1.2bef07cdc9000p-2 0x1.a9cfa4a5004f4p-45
0x1.7c00000000000p-1 0x1.314f1e1d36000p-2 -0x1.8e27ad3213cb8p-45
0x1.7a00000000000p-1 0x1.36b6776be1000p-2 0x1.16ecdb0f177c8p-46
0x1.7800000000000p-1 0x1.3c25277333000p-2 0x1.83b54b606bd5cp-46
0x1.7600000000000p-1 0x1.419b423d5e800p-2 0x1.8e436ec90e09dp-47
0x1.7400000000000p-1 0x1.4718dc271c800p-2 -0x1.f27ce0967d675p-45
0x1.7200000000000p-1 0x1.4c9e09e173000p-2 -0x1.e20891b0ad8a4p-45
0x1.7000000000000p-1 0x1.522ae0738a000p-2 0x1.ebe708164c759p-45
0x1.6e00000000000p-1 0x1.57bf753c8d000p-2 0x1.fadedee5d40efp-46
0x1.6c00000000000p-1 0x1.5d5bddf596000p-2 -0x1.a0b2a08a465dcp-47
`
    .trim()
    .split(/\s+/),
  hexFloat,
);

/** asuint64(0x1.6955500000000p-1): the table splits [OFF, 2 OFF) into 128 subintervals. */
const OFF = 0x3fe6955500000000n;

// __exp_data with EXP_TABLE_BITS = 7, EXP_POLY_ORDER = 5.
const INV_LN2_N = hexFloat('0x1.71547652b82fep+7');
const NEG_LN2_HI_N = hexFloat('-0x1.62e42fefa0000p-8');
const NEG_LN2_LO_N = hexFloat('-0x1.cf79abc9e3b3ap-47');
const C2 = hexFloat('0x1.ffffffffffdbdp-2');
const C3 = hexFloat('0x1.555555555543cp-3');
const C4 = hexFloat('0x1.55555cf172b91p-5');
const C5 = hexFloat('0x1.1111167a4d017p-7');
const SHIFT = hexFloat('0x1.8000000000000p+52');

/**
 * __exp_data.tab as 64-bit words: tab[2i] is the tail and tab[2i+1] the bits of 2^(i/128) minus
 * i << 45, so that adding k << 45 gives the bits of 2^(k/128) for k = i mod 128.
 */
const EXP_TAB = BigUint64Array.from(
  `
0000000000000000 3ff0000000000000 3c9b3b4f1a88bf6e 3feff63da9fb3335
bc7160139cd8dc5d 3fefec9a3e778061 bc905e7a108766d1 3fefe315e86e7f85
3c8cd2523567f613 3fefd9b0d3158574 bc8bce8023f98efa 3fefd06b29ddf6de
3c60f74e61e6c861 3fefc74518759bc8 3c90a3e45b33d399 3fefbe3ecac6f383
3c979aa65d837b6d 3fefb5586cf9890f 3c8eb51a92fdeffc 3fefac922b7247f7
3c3ebe3d702f9cd1 3fefa3ec32d3d1a2 bc6a033489906e0b 3fef9b66affed31b
bc9556522a2fbd0e 3fef9301d0125b51 bc5080ef8c4eea55 3fef8abdc06c31cc
bc91c923b9d5f416 3fef829aaea92de0 3c80d3e3e95c55af 3fef7a98c8a58e51
bc801b15eaa59348 3fef72b83c7d517b bc8f1ff055de323d 3fef6af9388c8dea
3c8b898c3f1353bf 3fef635beb6fcb75 bc96d99c7611eb26 3fef5be084045cd4
3c9aecf73e3a2f60 3fef54873168b9aa bc8fe782cb86389d 3fef4d5022fcd91d
3c8a6f4144a6c38d 3fef463b88628cd6 3c807a05b0e4047d 3fef3f49917ddc96
3c968efde3a8a894 3fef387a6e756238 3c875e18f274487d 3fef31ce4fb2a63f
3c80472b981fe7f2 3fef2b4565e27cdd bc96b87b3f71085e 3fef24dfe1f56381
3c82f7e16d09ab31 3fef1e9df51fdee1 bc3d219b1a6fbffa 3fef187fd0dad990
3c8b3782720c0ab4 3fef1285a6e4030b 3c6e149289cecb8f 3fef0cafa93e2f56
3c834d754db0abb6 3fef06fe0a31b715 3c864201e2ac744c 3fef0170fc4cd831
3c8fdd395dd3f84a 3feefc08b26416ff bc86a3803b8e5b04 3feef6c55f929ff1
bc924aedcc4b5068 3feef1a7373aa9cb bc9907f81b512d8e 3feeecae6d05d866
bc71d1e83e9436d2 3feee7db34e59ff7 bc991919b3ce1b15 3feee32dc313a8e5
3c859f48a72a4c6d 3feedea64c123422 bc9312607a28698a 3feeda4504ac801c
bc58a78f4817895b 3feed60a21f72e2a bc7c2c9b67499a1b 3feed1f5d950a897
3c4363ed60c2ac11 3feece086061892d 3c9666093b0664ef 3feeca41ed1d0057
3c6ecce1daa10379 3feec6a2b5c13cd0 3c93ff8e3f0f1230 3feec32af0d7d3de
3c7690cebb7aafb0 3feebfdad5362a27 3c931dbdeb54e077 3feebcb299fddd0d
bc8f94340071a38e 3feeb9b2769d2ca7 bc87deccdc93a349 3feeb6daa2cf6642
bc78dec6bd0f385f 3feeb42b569d4f82 bc861246ec7b5cf6 3feeb1a4ca5d920f
3c93350518fdd78e 3feeaf4736b527da 3c7b98b72f8a9b05 3feead12d497c7fd
3c9063e1e21c5409 3feeab07dd485429 3c34c7855019c6ea 3feea9268a5946b7
3c9432e62b64c035 3feea76f15ad2148 bc8ce44a6199769f 3feea5e1b976dc09
bc8c33c53bef4da8 3feea47eb03a5585 bc845378892be9ae 3feea34634ccc320
bc93cedd78565858 3feea23882552225 3c5710aa807e1964 3feea155d44ca973
bc93b3efbf5e2228 3feea09e667f3bcd bc6a12ad8734b982 3feea012750bdabf
bc6367efb86da9ee 3fee9fb23c651a2f bc80dc3d54e08851 3fee9f7df9519484
bc781f647e5a3ecf 3fee9f75e8ec5f74 bc86ee4ac08b7db0 3fee9f9a48a58174
bc8619321e55e68a 3fee9feb564267c9 3c909ccb5e09d4d3 3feea0694fde5d3f
bc7b32dcb94da51d 3feea11473eb0187 3c94ecfd5467c06b 3feea1ed0130c132
3c65ebe1abd66c55 3feea2f336cf4e62 bc88a1c52fb3cf42 3feea427543e1a12
bc9369b6f13b3734 3feea589994cce13 bc805e843a19ff1e 3feea71a4623c7ad
bc94d450d872576e 3feea8d99b4492ed 3c90ad675b0e8a00 3feeaac7d98a6699
3c8db72fc1f0eab4 3feeace5422aa0db bc65b6609cc5e7ff 3feeaf3216b5448c
3c7bf68359f35f44 3feeb1ae99157736 bc93091fa71e3d83 3feeb45b0b91ffc6
bc5da9b88b6c1e29 3feeb737b0cdc5e5 bc6c23f97c90b959 3feeba44cbc8520f
bc92434322f4f9aa 3feebd829fde4e50 bc85ca6cd7668e4b 3feec0f170ca07ba
3c71affc2b91ce27 3feec49182a3f090 3c6dd235e10a73bb 3feec86319e32323
bc87c50422622263 3feecc667b5de565 3c8b1c86e3e231d5 3feed09bec4a2d33
bc91bbd1d3bcbb15 3feed503b23e255d 3c90cc319cee31d2 3feed99e1330b358
3c8469846e735ab3 3feede6b5579fdbf bc82dfcd978e9db4 3feee36bbfd3f37a
3c8c1a7792cb3387 3feee89f995ad3ad bc907b8f4ad1d9fa 3feeee07298db666
bc55c3d956dcaeba 3feef3a2b84f15fb bc90a40e3da6f640 3feef9728de5593a
bc68d6f438ad9334 3feeff76f2fb5e47 bc91eee26b588a35 3fef05b030a1064a
3c74ffd70a5fddcd 3fef0c1e904bc1d2 bc91bdfbfa9298ac 3fef12c25bd71e09
3c736eae30af0cb3 3fef199bdd85529c 3c8ee3325c9ffd94 3fef20ab5fffd07a
3c84e08fd10959ac 3fef27f12e57d14b 3c63cdaf384e1a67 3fef2f6d9406e7b5
3c676b2c6c921968 3fef3720dcef9069 bc808a1883ccb5d2 3fef3f0b555dc3fa
bc8fad5d3ffffa6f 3fef472d4a07897c bc900dae3875a949 3fef4f87080d89f2
3c74a385a63d07a7 3fef5818dcfba487 bc82919e2040220f 3fef60e316c98398
3c8e5a50d5c192ac 3fef69e603db3285 3c843a59ac016b4b 3fef7321f301b460
bc82d52107b43e1f 3fef7c97337b9b5f bc892ab93b470dc9 3fef864614f5a129
3c74b604603a88d3 3fef902ee78b3ff6 3c83c5ec519d7271 3fef9a51fbc74c83
bc8ff7128fd391f0 3fefa4afa2a490da bc8dae98e223747d 3fefaf482d8e67f1
3c8ec3bc41aa2008 3fefba1bee615a27 3c842b94c3a9eb32 3fefc52b376bba97
3c8a64a931d185ee 3fefd0765b6e4540 bc8e37bae43be3ed 3fefdbfdad9cbe14
3c77893b4d91cd9d 3fefe7c1819e90d8 3c5305c14160cc89 3feff3c22b8f71f1
`
    .trim()
    .split(/\s+/),
  (w) => BigInt(`0x${w}`),
);

/** SIGN_BIAS = 0x800 << EXP_TABLE_BITS: added to k, it sets the sign bit of the scale. */
const SIGN_BIAS = 0x40000n;
const ASUINT64_ONE = 0x3ff0000000000000n;
const ASUINT64_INF = 0x7ff0000000000000n;

/** 1 if the bits are of 0, infinity or NaN. */
function zeroInfNan(i: bigint): boolean {
  return u64wrap(2n * i - 1n) >= 2n * ASUINT64_INF - 1n;
}

/** 0 if not an integer, 1 if an odd integer, 2 if an even integer (finite, non-zero y). */
function checkInt(iy: bigint): 0 | 1 | 2 {
  const e = Number((iy >> 52n) & 0x7ffn);
  if (e < 0x3ff) return 0;
  if (e > 0x3ff + 52) return 2;
  const bit = 1n << BigInt(0x3ff + 52 - e);
  if ((iy & (bit - 1n)) !== 0n) return 0;
  return (iy & bit) !== 0n ? 1 : 2;
}

const overflow = (sign: bigint): number => (sign !== 0n ? -Infinity : Infinity);
const underflow = (sign: bigint): number => (sign !== 0n ? -0 : 0);

/** log(x) = hi + tail for the bits ix of a positive normal (or normalised subnormal) x. */
function logInline(ix: bigint): [number, number] {
  const tmp = u64wrap(ix - OFF);
  const i = Number((tmp >> 45n) & 127n);
  const k = Number(BigInt.asIntN(64, tmp) >> 52n);
  const z = asdouble(u64wrap(ix - (tmp & (0xfffn << 52n))));
  const kd = k;
  const invc = POW_LOG_TAB[3 * i];
  const logc = POW_LOG_TAB[3 * i + 1];
  const logctail = POW_LOG_TAB[3 * i + 2];

  // r = z/c - 1 exactly (1/c has few bits), then k*ln2 + log(c) + r in double-double.
  const r = fma(z, invc, -1);
  const t1 = fma(kd, LN2HI, logc);
  const t2 = t1 + r;
  const lo1 = fma(kd, LN2LO, logctail);
  const lo2 = t1 - t2 + r;
  const ar = A0 * r;
  const ar2 = r * ar;
  const ar3 = r * ar2;
  const hi = t2 + ar2;
  const lo3 = fma(ar, r, -ar2);
  const lo4 = t2 - hi + ar2;
  // p = ar3 * (A1 + r A2 + ar2 (A3 + r A4 + ar2 (A5 + r A6))), added to lo by the last fma.
  const q = fma(ar2, fma(ar2, fma(r, A6, A5), fma(r, A4, A3)), fma(r, A2, A1));
  const lo = fma(ar3, q, lo1 + lo2 + lo3 + lo4);
  const y = hi + lo;
  return [y, hi - y + lo];
}

/** scale * (1 + tmp) where the exponent of scale may be out of range (k the reduction index). */
function expSpecialCase(tmp: number, sbits: bigint, ki: bigint): number {
  if ((ki & 0x80000000n) === 0n) {
    // k > 0: the exponent of scale might have overflowed by <= 460.
    const scale = asdouble(u64wrap(sbits - (1009n << 52n)));
    return fma(scale, tmp, scale) * 2 ** 1009;
  }
  // k < 0: round to 53 bits before scaling into the subnormal range (no double rounding).
  const sbitsLow = u64wrap(sbits + (1022n << 52n));
  const scale = asdouble(sbitsLow);
  const st = scale * tmp;
  let y = scale + st;
  if (Math.abs(y) < 1) {
    const one = y < 0 ? -1 : 1;
    let lo = scale - y + st;
    const hi = one + y;
    lo = one - hi + y + lo;
    y = hi + lo - one;
    if (y === 0) y = asdouble(sbitsLow & 0x8000000000000000n); // the sign of zero
  }
  return 2 ** -1022 * y;
}

/** sign * exp(x + xtail), |xtail| < 2^-8/128 (signBias is SIGN_BIAS or 0). */
function expInline(x: number, xtail: number, signBias: bigint): number {
  let abstop = Number(asuint64(x) >> 52n) & 0x7ff;
  if ((abstop - 0x3c9) >>> 0 >= 0x408 - 0x3c9) {
    if ((abstop - 0x3c9) >>> 0 >= 0x80000000) {
      // |x| < 2^-54: exp(x) rounds to 1 + x.
      const one = 1 + x;
      return signBias !== 0n ? -one : one;
    }
    if (abstop >= 0x409) return x < 0 ? underflow(signBias) : overflow(signBias);
    abstop = 0; // large |x|: handled by expSpecialCase below
  }
  // x = k ln2/N + r with |r| <= ln2/2N; exp(x) = 2^(k/N) exp(r).
  let kd = fma(x, INV_LN2_N, SHIFT);
  const ki = asuint64(kd);
  kd -= SHIFT;
  const r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x)) + xtail;
  const idx = Number(2n * (ki & 127n));
  const top = u64wrap((ki + signBias) << 45n);
  const tail = asdouble(EXP_TAB[idx]);
  const sbits = u64wrap(EXP_TAB[idx + 1] + top);
  const r2 = r * r;
  const tmp = fma(fma(r, C5, C4), r2 * r2, fma(fma(r, C3, C2), r2, tail + r));
  if (abstop === 0) return expSpecialCase(tmp, sbits, ki);
  const scale = asdouble(sbits);
  return fma(tmp, scale, scale);
}

/**
 * x ** y exactly as glibc 2.36's `pow` computes it on x86_64 with FMA, including its rare
 * misroundings. This is what Python's `float ** float` returns for finite non-special operands.
 *
 * @example
 * ```ts
 * glibcPow(0.9, 4); // 0.6561 (Math.pow(0.9, 4) is 0.6561000000000001)
 * ```
 */
export function glibcPow(x: number, y: number): number {
  let signBias = 0n;
  let ix = asuint64(x);
  const iy = asuint64(y);
  let topx = Number(ix >> 52n);
  const topy = Number(iy >> 52n);
  if ((topx - 1) >>> 0 >= 0x7ff - 1 || ((topy & 0x7ff) - 0x3be) >>> 0 >= 0x43e - 0x3be) {
    // x < 2^-1022, x <= 0, inf or nan; or |y| < 2^-65, |y| >= 2^63, inf or nan.
    if (zeroInfNan(iy)) {
      if (u64wrap(2n * iy) === 0n) return 1;
      if (ix === ASUINT64_ONE) return 1;
      if (u64wrap(2n * ix) > 2n * ASUINT64_INF || u64wrap(2n * iy) > 2n * ASUINT64_INF) {
        return x + y;
      }
      if (u64wrap(2n * ix) === 2n * ASUINT64_ONE) return 1;
      // |x| < 1 and y = inf, or |x| > 1 and y = -inf.
      const xBelowOne = u64wrap(2n * ix) < 2n * ASUINT64_ONE;
      if (xBelowOne === (iy >> 63n === 0n)) return 0;
      return y * y;
    }
    if (zeroInfNan(ix)) {
      let x2 = x * x;
      if (ix >> 63n !== 0n && checkInt(iy) === 1) x2 = -x2;
      return iy >> 63n !== 0n ? 1 / x2 : x2;
    }
    // x and y are non-zero and finite.
    if (ix >> 63n !== 0n) {
      const yint = checkInt(iy);
      if (yint === 0) return NaN;
      if (yint === 1) signBias = SIGN_BIAS;
      ix &= 0x7fffffffffffffffn;
      topx &= 0x7ff;
    }
    if (((topy & 0x7ff) - 0x3be) >>> 0 >= 0x43e - 0x3be) {
      if (ix === ASUINT64_ONE) return 1;
      if ((topy & 0x7ff) < 0x3be) return ix > ASUINT64_ONE ? 1 + y : 1 - y;
      return ix > ASUINT64_ONE === topy < 0x800 ? Infinity : 0;
    }
    if (topx === 0) {
      // Subnormal x: normalise it, letting the exponent go negative through the sign bit.
      ix = asuint64(x * 2 ** 52) & 0x7fffffffffffffffn;
      ix = u64wrap(ix - (52n << 52n));
    }
  }
  const [hi, lo] = logInline(ix);
  const ehi = y * hi;
  const elo = fma(y, lo, fma(hi, y, -ehi));
  return expInline(ehi, elo, signBias);
}
