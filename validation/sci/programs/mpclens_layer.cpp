// One SCI layer between two local parties, for mpclens' per-call fixtures.
// Our own program against the SCI library API (the calls the Athos-generated mains make).
// usage: mpclens_layer-{OT,HE} r=1|2 p=PORT nt=4 ell=37 sf=12 op=NAME [h= w= c= co= k= s= pad= n=]
//   op: conv (Conv2DWrapper, NHWC input h×w×c, k×k filter, co outputs, stride s, pad each side)
//       fc (MatMul2D(1, c, co), activation × model, as the mains' final layer)
//       relu (Relu on n elements, no truncation), relutrunc (the conv above, then Relu with the
//       fused truncation by sf on its n outputs: a ReLU whose input is a product's, as in a network)
//       maxpool / avgpool (k×k window, stride s, on h×w×c)
//       bn (FusedBatchNorm as the mains do it: ElemWiseActModelVectorMult on h×w×c)
//       trunc (the conv above, then ScaleDown by sf on its n outputs: the truncation before the
//       next product)
// Shares are zero/random: SCI's byte counts do not depend on values.
#include "library_fixed.h"
#include <iostream>
#include <string>
using namespace std;

int party = 0;
int port = 32000;
string address = "127.0.0.1";
int num_threads = 4;
int32_t bitlength = 37;
#if USE_CHEETAH
// OpenCheetah's approximate ReLU (ReLURingProtocol) reads the scale from this global, which
// its network mains define and set from their `k=` argument; ours follows `sf=`.
int32_t kScale = 12;
#endif

int main(int argc, char **argv) {
  ArgMapping amap;
  int sf = 12, h = 8, w = 8, c = 4, co = 4, k = 3, s = 1, pad = 1, n = 1000;
  string op = "relu";
  amap.arg("r", party, "Role of party: ALICE/SERVER = 1; BOB/CLIENT = 2");
  amap.arg("p", port, "Port Number");
  amap.arg("ip", address, "IP Address of server (ALICE)");
  amap.arg("nt", num_threads, "Number of Threads");
  amap.arg("ell", bitlength, "Uniform Bitwidth");
  amap.arg("sf", sf, "fixed-point scale");
  amap.arg("op", op, "layer");
  amap.arg("h", h, "height");
  amap.arg("w", w, "width");
  amap.arg("c", c, "channels in");
  amap.arg("co", co, "channels out");
  amap.arg("k", k, "kernel");
  amap.arg("s", s, "stride");
  amap.arg("pad", pad, "padding each side");
  amap.arg("n", n, "elements");
  amap.parse(argc, argv);
#if USE_CHEETAH
  kScale = sf;
#endif
  assert(party == SERVER || party == CLIENT);

  int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
  size_t big = (size_t)max(h * w * c, n) + (size_t)k * k * c * co + (size_t)oh * ow * co + 16;
  intType *a = new intType[big](), *b = new intType[big](), *o = new intType[big]();
#if USE_CHEETAH
  // OpenCheetah's SEAL is built with SEAL_THROW_ON_TRANSPARENT_CIPHERTEXT: an all-zero plaintext
  // operand makes conv2DSS throw. Small random shares instead (bytes do not depend on values).
  uint64_t x = 88172645463325252ULL + party;
  for (size_t i = 0; i < big; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    a[i] = x & ((1ULL << 12) - 1);
    b[i] = (x >> 20) & ((1ULL << 12) - 1);
  }
#endif
  StartComputation();
  if (op == "conv") {
    Conv2DWrapper(1, h, w, c, k, k, co, pad, pad, pad, pad, s, s, a, b, o);
  } else if (op == "fc") {
    MatMul2D(1, c, co, a, b, o, false);
  } else if (op == "relu") {
    Relu(n, a, o, sf, false);
  } else if (op == "relutrunc") {
    Conv2DWrapper(1, h, w, c, k, k, co, pad, pad, pad, pad, s, s, a, b, o);
    Relu(n, o, a, sf, true);
  } else if (op == "maxpool") {
    MaxPool(1, oh, ow, c, k, k, pad, pad, pad, pad, s, s, 1, h, w, c, a, o);
  } else if (op == "avgpool") {
    AvgPool(1, oh, ow, c, k, k, pad, pad, pad, pad, s, s, 1, h, w, c, a, o);
  } else if (op == "bn") {
    ElemWiseActModelVectorMult(h * w * c, a, b, o);
  } else if (op == "trunc") {
    Conv2DWrapper(1, h, w, c, k, k, co, pad, pad, pad, pad, s, s, a, b, o);
    ScaleDown(n, o, sf);
  } else {
    cerr << "unknown op " << op << endl;
    return 2;
  }
  EndComputation();
  return 0;
}
