//! Plain-words explanations of why an op costs what it does under secret
//! sharing (the Learn view's story, per op kind). Text only: no figures.

/// One paragraph on how secret-sharing frameworks compute `op`.
pub fn explain(op: &str) -> &'static str {
    match op {
        "Conv" | "ConvTranspose" | "MatMul" | "Gemm" | "Einsum" | "MatMulInteger" => {
            "A product of two secret values (activations × weights). With Beaver triples prepared offline, the parties open masked inputs to each other in one round and finish locally, so the bytes grow with the inputs' size; HE-based frameworks (CrypTFlow2-HE, Cheetah, Delphi) instead send encrypted tensors. In fixed point the product is then truncated, which some frameworks do locally and others with a protocol of its own."
        }
        "Relu" | "LeakyRelu" | "PRelu" | "MaxPool" | "Max" | "Min" | "ArgMax" | "ArgMin" | "Clip" | "Less" | "Greater"
        | "LessOrEqual" | "GreaterOrEqual" | "Equal" | "Sign" | "Abs" | "ReduceMax" | "ReduceMin" | "Where" | "IsNaN" => {
            "A comparison: not arithmetic, so the shares are converted to bits and a comparison circuit (or oblivious-transfer millionaires' protocol) runs on them, with several sequential rounds. That is why comparisons often dominate the time on a high-latency network even when they move fewer bytes than a large Conv. MaxPool needs one comparison per window element."
        }
        "Softmax" | "LogSoftmax" => {
            "Softmax takes a maximum (comparisons), an exponential (an iterated or polynomial approximation: many multiplications and rounds) and a reciprocal (Newton iterations). It is one of the dearest ops in transformers; the what-ifs replace it with 2ReLU or 2Quad."
        }
        "Exp" | "Log" | "Sigmoid" | "Tanh" | "Erf" | "Gelu" | "Reciprocal" | "Div" | "Sqrt" | "Pow" | "Softplus" | "Sin"
        | "Cos" => {
            "A non-linear function: secret-sharing frameworks evaluate it as a polynomial or an iteration (Taylor, Newton, piecewise), each step a secure multiplication with its own round. The cost follows the approximation's degree and iterations, which the framework's settings fix."
        }
        "LayerNormalization" | "SimplifiedLayerNormalization" | "BatchNormalization" | "InstanceNormalization"
        | "GroupNormalization" => {
            "A normalisation: a mean (local), a variance (one secure square per element), then an inverse square root (an iteration of secure multiplications). BatchNorm at inference is an affine map with public-or-weight constants and often folds into the previous layer."
        }
        "AveragePool" | "GlobalAveragePool" | "ReduceMean" | "ReduceSum" => {
            "A sum of shares is local; the division by the window size is a multiplication by a public constant followed by a fixed-point truncation, which some frameworks do locally and others with a protocol."
        }
        "Add" | "Sub" | "Neg" | "Reshape" | "Flatten" | "Transpose" | "Concat" | "Split" | "Slice" | "Squeeze"
        | "Unsqueeze" | "Identity" | "Gather" | "Shape" | "Expand" | "Cast" | "Constant" | "Dropout" => {
            "Local: each party applies it to its own share (additions, moves and copies of values), so no message is sent — unless a framework must reshare or the op is a multiplication in disguise."
        }
        "Mul" => {
            "A product: free when one side is a public constant (each party scales its share), one secure multiplication per element (a Beaver triple, one round) when both sides are secret, plus a truncation in fixed point."
        }
        _ => {
            "Each framework decomposes this op into its protocol steps (listed above with their count and formula): local linear work costs nothing, secure multiplications cost bytes and a round, comparisons and non-linear functions cost several rounds."
        }
    }
}
