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
//   Or SCI calls with the literal integer arguments an EzPC main passes (distinct_calls.py):
//       op=Conv2DWrapper|MatMul2D|Relu|ScaleDown|MaxPool|AvgPool|ElemWiseActModelVectorMult|ArgMax
//       a=I,J,... (e.g. op=Relu a=802816,12,1: size, sf, doTruncation; MatMul2D: s1,s2,s3,modelIsA)
//       pre=1 first runs Conv2DWrapper on one element (a product, so that the state a truncating
//       call finds - thread 0's last io direction - is the one a product leaves, as in a network);
//       or several in one run: calls=CALL:ARGS[:pre];CALL:ARGS;... (one setup for all)
// Shares are zero/random: SCI's byte counts do not depend on values.
#include "library_fixed.h"
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
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

// One SCI call with the literal integer arguments an EzPC main passes it.
struct LiteralCall {
  string op;
  vector<long long> v;
  bool pre = false;
};

LiteralCall parse_call(const string &spec) {
  LiteralCall lc;
  stringstream ss(spec);
  string part, t;
  getline(ss, lc.op, ':');
  getline(ss, part, ':');
  stringstream vs(part);
  while (getline(vs, t, ',')) lc.v.push_back(stoll(t));
  if (getline(ss, part, ':')) lc.pre = part == "pre";
  static const map<string, size_t> arity = {{"Conv2DWrapper", 13}, {"MatMul2D", 4}, {"Relu", 3}, {"ScaleDown", 2},
                                            {"MaxPool", 16}, {"AvgPool", 16}, {"ElemWiseActModelVectorMult", 1},
                                            {"ArgMax", 2}};
  auto it = arity.find(lc.op);
  if (it == arity.end() || it->second != lc.v.size()) {
    cerr << "bad call " << spec << endl;
    exit(2);
  }
  return lc;
}

// Elements each operand array needs for a call (input, filter/second operand and output fit in it).
size_t room(const LiteralCall &lc) {
  auto &v = lc.v;
  size_t r = 16;
  if (lc.op == "Conv2DWrapper")  // input H*W*CI, filter FH*FW*CI*CO, output at most (H+pads)*(W+pads)*CO
    r += (size_t)v[1] * v[2] * v[3] + (size_t)v[4] * v[5] * v[3] * v[6] +
         (size_t)(v[1] + v[7] + v[8]) * (v[2] + v[9] + v[10]) * v[6];
  else if (lc.op == "MatMul2D")
    r += (size_t)v[0] * v[1] + (size_t)v[1] * v[2] + (size_t)v[0] * v[2];
  else if (lc.op == "MaxPool" || lc.op == "AvgPool")
    r += (size_t)v[12] * v[13] * v[14] * v[15] + (size_t)v[0] * v[1] * v[2] * v[3];
  else if (lc.op == "ArgMax")
    r += (size_t)v[0] * v[1];
  else
    r += (size_t)v[0];
  return r;
}

// Runs one literal call (after a one-element Conv2DWrapper if `pre`: a product, so that a
// truncating call finds thread 0's io in the state a product leaves it, as in a network).
void run_call(const LiteralCall &lc, intType *a, intType *b, intType *o) {
  auto &v = lc.v;
  if (lc.pre) Conv2DWrapper(1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, a, b, o);
  if (lc.op == "Conv2DWrapper")
    Conv2DWrapper(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], a, b, o);
  else if (lc.op == "MatMul2D")
    MatMul2D(v[0], v[1], v[2], a, b, o, v[3] != 0);
  else if (lc.op == "Relu")
    Relu(v[0], a, o, v[1], v[2] != 0);
  else if (lc.op == "ScaleDown")
    ScaleDown(v[0], a, v[1]);
  else if (lc.op == "MaxPool")
    MaxPool(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], a, o);
  else if (lc.op == "AvgPool")
    AvgPool(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], a, o);
  else if (lc.op == "ElemWiseActModelVectorMult")
    ElemWiseActModelVectorMult(v[0], a, b, o);
  else if (lc.op == "ArgMax")
    ArgMax(v[0], v[1], a, o);
}

int main(int argc, char **argv) {
  ArgMapping amap;
  int sf = 12, h = 8, w = 8, c = 4, co = 4, k = 3, s = 1, pad = 1, n = 1000;
  string op = "relu", lit = "", calls = "";
  int pre = 0;
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
  amap.arg("a", lit, "the call's integer arguments, comma-separated (op = an SCI function name)");
  amap.arg("pre", pre, "run a one-element Conv2DWrapper first");
  amap.arg("calls", calls, "a list of literal calls CALL:ARGS[:pre] separated by ';'");
  amap.parse(argc, argv);
#if USE_CHEETAH
  kScale = sf;
#endif
  assert(party == SERVER || party == CLIENT);

  // the literal calls: `op=CALL a=ARGS [pre=1]`, or a list `calls=CALL:ARGS[:pre];CALL:ARGS;...`
  vector<LiteralCall> list;
  if (!calls.empty()) {
    stringstream ss(calls);
    string one;
    while (getline(ss, one, ';')) list.push_back(parse_call(one));
  } else if (!lit.empty()) {
    list.push_back(parse_call(op + ":" + lit + (pre ? ":pre" : "")));
  }
  int oh = (h + 2 * pad - k) / s + 1, ow = (w + 2 * pad - k) / s + 1;
  size_t big = (size_t)max(h * w * c, n) + (size_t)k * k * c * co + (size_t)oh * ow * co + 16;
  if (!list.empty()) {
    big = 16;
    for (auto &lc : list) big = max(big, room(lc));
  }
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
  if (!list.empty()) {
    for (auto &lc : list) run_call(lc, a, b, o);
  } else if (op == "conv") {
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
