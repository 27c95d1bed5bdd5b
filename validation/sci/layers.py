"""The single-layer runs: one line per layer, shared by make_layer_models.py (ONNX models for the
cost model) and run.py (arguments of programs/mpclens_layer.cpp). Sizes are chosen so that element
counts are not multiples of 4 or 8 and the thread split and padding rules are exercised.

Each entry: name -> (program arguments, ONNX nodes, the node of the ONNX model whose cost equals
the program's one call, and which of its steps: None = all).
"""

# ONNX layouts are NCHW; the program's are NHWC. Same shapes.
LAYERS = {
    # Conv2DWrapper(1, 15, 15, 3, 3, 3, 8, pad 1, stride 1)
    "conv": dict(args="op=conv h=15 w=15 c=3 co=8 k=3 s=1 pad=1",
                 nodes=[("Conv", "conv", dict(x=[1, 3, 15, 15], w=[8, 3, 3, 3], pads=1, strides=1))],
                 node="conv", steps=None),
    # strided conv: the HE path splits it into 4 sub-convolutions
    "conv_s2": dict(args="op=conv h=16 w=16 c=4 co=8 k=3 s=2 pad=1",
                    nodes=[("Conv", "conv", dict(x=[1, 4, 16, 16], w=[8, 4, 3, 3], pads=1, strides=2))],
                    node="conv", steps=None),
    # MatMul2D(1, 250, 10, act, model)
    "fc": dict(args="op=fc c=250 co=10", nodes=[("Gemm", "fc", dict(x=[1, 250], w=[10, 250]))],
               node="fc", steps=None),
    # Relu(1575, sf, false)
    "relu": dict(args="op=relu n=1575", nodes=[("Relu", "relu", dict(x=[1, 7, 15, 15]))], node="relu", steps=None),
    # Conv2DWrapper then Relu(1575, sf, true): a ReLU whose input is a product's output (scale 2s)
    "relutrunc": dict(args="op=relutrunc h=15 w=15 c=3 co=7 k=3 s=1 pad=1 n=1575",
                      nodes=[("Conv", "conv", dict(x=[1, 3, 15, 15], w=[7, 3, 3, 3], pads=1, strides=1)),
                             ("Relu", "relu", dict())],
                      node="relu", steps=None),
    # Conv2DWrapper then ScaleDown(1575, sf): the input of the next product, held at 2s
    "trunc": dict(args="op=trunc h=15 w=15 c=3 co=7 k=3 s=1 pad=1 n=1575",
                  nodes=[("Conv", "conv", dict(x=[1, 3, 15, 15], w=[7, 3, 3, 3], pads=1, strides=1)),
                         ("Conv", "conv2", dict(w=[2, 7, 1, 1], pads=0, strides=1))],
                  node="conv2", steps="ScaleDown"),
    # MaxPool(1, 7, 7, 5, 3x3, stride 2) on 15x15x5
    "maxpool": dict(args="op=maxpool h=15 w=15 c=5 k=3 s=2 pad=0",
                    nodes=[("MaxPool", "maxpool", dict(x=[1, 5, 15, 15], k=3, strides=2))], node="maxpool", steps=None),
    # AvgPool(1, 7, 7, 5, 2x2, stride 2) on 15x15x5 (floor)
    "avgpool": dict(args="op=avgpool h=15 w=15 c=5 k=2 s=2 pad=0",
                    nodes=[("AveragePool", "avgpool", dict(x=[1, 5, 15, 15], k=2, strides=2))], node="avgpool",
                    steps=None),
    # ElemWiseActModelVectorMult(15*15*5): the BatchNorm scale as FusedBatchNorm does it
    "bn": dict(args="op=bn h=15 w=15 c=5",
               nodes=[("BatchNormalization", "bn", dict(x=[1, 5, 15, 15]))], node="bn", steps=None),
}
