"""用 Paddle 检验 7.6 节手写的层、损失与带权重衰减的梯度下降（notebook 与测试共用）。

- `reference_bce`：交叉熵写成显式公式，交给 Paddle 自动微分；
- `paddle_twin`：与手写的 `MLP_3L` 参数相同的 `paddle.nn.Sequential`；
- `compare_weight_decay_with_paddle`：`BatchGD` 的权重衰减与 `paddle.optimizer.SGD` + `L2Decay` 逐步对照；
- `backward_deviations`：每个手写 backward 与 Paddle 自动微分的最大偏差。
"""

import numpy as np
import paddle
import paddle.nn.functional as F

from ..op.layers import (MLP_3L, BatchGD, BinaryCrossEntropyWithLogits, Dropout, LinearLayer, Logistic,
                         MLP_3L_dropout, ReLU)


def reference_bce(logits, labels):
    """交叉熵写成显式公式 $-\\frac1N\\sum[y\\log\\sigma(o) + (1-y)\\log(1-\\sigma(o))]$，交给 Paddle 自动微分。

    不用 `F.binary_cross_entropy_with_logits`：Paddle 3.3.1 中它在 logit 恰为 0 处的梯度是错的（见 7.6 节）。
    """
    return -paddle.mean(labels * F.log_sigmoid(logits) + (1 - labels) * F.log_sigmoid(-logits))


def paddle_twin(model, weight_decay=None, weight_attr=None):
    """与手写的 `MLP_3L` 参数相同的 `paddle.nn.Sequential`（Linear 2→20→3→1，ReLU）。

    返回 `(net, pairs)`，`pairs` 是 `[(手写的线性层, paddle.nn.Linear), ...]`。`weight_attr` 只作用于权重
    （例如 `paddle.ParamAttr(regularizer=paddle.regularizer.L2Decay(c))`）。
    """
    ours = [layer for layer in model.layers if isinstance(layer, LinearLayer)]
    sizes = [ours[0].params["W"].shape[0]] + [layer.params["W"].shape[1] for layer in ours]
    layers = []
    for i in range(len(ours)):
        layers.append(paddle.nn.Linear(sizes[i], sizes[i + 1], weight_attr=weight_attr))
        if i < len(ours) - 1:
            layers.append(paddle.nn.ReLU())
    net = paddle.nn.Sequential(*layers)
    theirs = [layer for layer in net if isinstance(layer, paddle.nn.Linear)]
    for a, b in zip(ours, theirs):
        b.weight.set_value(a.params["W"])
        b.bias.set_value(a.params["b"].reshape([-1]))
    return net, list(zip(ours, theirs))


def compare_weight_decay_with_paddle(X, y, lr, weight_decay, steps, seed=0, bias=0.05):
    """`BatchGD(lr, model, weight_decay=β)` 与 `paddle.optimizer.SGD(learning_rate=α, weight_decay=L2Decay(β/α))`
    逐步对照 `steps` 步，返回每一步更新后全部参数（含偏置）的最大绝对偏差。

    每一步开始前把手写模型的参数复制给 Paddle 的模型，两边从同一点出发各走一步，比较的就是这一步的更新公式，
    不受前面各步舍入差异的累积影响（在 ReLU 的折点附近，微小的差异可能让两条轨迹在某一步短暂地分开）。
    偏置的初值取 `bias`（不为 0），免得某个样本的 logit 恰为 0。
    """
    paddle.seed(seed)
    model = MLP_3L([X.shape[1], 20, 3, 1])
    for layer in (model.fc1, model.fc2, model.fc3):
        layer.params["b"] = paddle.full(layer.params["b"].shape, bias)
    loss_fn = BinaryCrossEntropyWithLogits(model)
    optimizer = BatchGD(lr, model, weight_decay=weight_decay)
    net, pairs = paddle_twin(model)
    decay = paddle.regularizer.L2Decay(weight_decay / lr) if weight_decay else None
    paddle_opt = paddle.optimizer.SGD(learning_rate=lr, parameters=net.parameters(), weight_decay=decay)
    deviations = []
    for _ in range(steps):
        for a, b in pairs:
            b.weight.set_value(a.params["W"])
            b.bias.set_value(a.params["b"].reshape([-1]))
        loss_fn(model(X), y)
        loss_fn.backward()
        optimizer.step()
        reference_bce(net(X), y).backward()
        paddle_opt.step()
        paddle_opt.clear_grad()
        deviations.append(max(max(float(np.abs(a.params["W"].numpy() - b.weight.numpy()).max()),
                                  float(np.abs(a.params["b"].numpy().ravel() - b.bias.numpy()).max()))
                              for a, b in pairs))
    return np.asarray(deviations)


def backward_deviations(X, y, lambd, drop_rate, layers_size=(2, 20, 3, 1), seed=0):
    """每个手写 backward 与 Paddle 对同一前向自动微分的最大绝对偏差（字典：名字 → 偏差）。

    线性层、ReLU、Logistic 用随机的上游梯度 δ（对 $\\sum \\boldsymbol Z \\odot \\boldsymbol\\delta$ 求导）；
    `MLP_3L` 加交叉熵（λ = 0 与 λ = `lambd`）、`MLP_3L_dropout` 加交叉熵（用手写前向生成的同一组掩码）
    比较全部参数的梯度。偏置取小的随机值，logit 不会恰为 0。
    """
    def leaf(t):
        x = paddle.to_tensor(t.numpy())
        x.stop_gradient = False
        return x

    def dev(a, b):
        return float(np.abs(np.asarray(a) - np.asarray(b)).max())

    paddle.seed(seed)
    out = {}
    Z = paddle.randn([64, 5])
    G = paddle.randn([64, 5])
    layer = LinearLayer(5, 5)
    layer(Z)
    dZ = layer.backward(G)
    Za, Wa, ba = leaf(Z), leaf(layer.params["W"]), leaf(layer.params["b"])
    paddle.sum((paddle.matmul(Za, Wa) + ba) * G).backward()
    out["LinearLayer"] = max(dev(dZ, Za.grad), dev(layer.grads["W"], Wa.grad), dev(layer.grads["b"], ba.grad))
    for op, fn in ((ReLU(), F.relu), (Logistic(), F.sigmoid)):
        op(Z)
        Za = leaf(Z)
        paddle.sum(fn(Za) * G).backward()
        out[type(op).__name__] = dev(op.backward(G), Za.grad)

    def model_case(model, lambd):
        for lin in (model.fc1, model.fc2, model.fc3):
            lin.params["b"] = 0.1 * paddle.randn(lin.params["b"].shape)
        loss_fn = BinaryCrossEntropyWithLogits(model, lambd)
        loss_fn(model(X), y)
        loss_fn.backward()
        masks = [model.dropout1.mask, model.dropout2.mask] if isinstance(model, MLP_3L_dropout) else []
        params, h, weights = {}, X, []
        for i, lay in enumerate(model.layers):
            if isinstance(lay, LinearLayer):
                params[i] = (leaf(lay.params["W"]), leaf(lay.params["b"]))
                h = paddle.matmul(h, params[i][0]) + params[i][1]
                weights.append(params[i][0])
            elif isinstance(lay, ReLU):
                h = F.relu(h)
            elif isinstance(lay, Dropout):
                h = h * masks.pop(0) / (1 - lay.drop_rate)
        ref = reference_bce(h, y) + lambd / (2 * X.shape[0]) * paddle.add_n([paddle.sum(W * W) for W in weights])
        ref.backward()
        return max(max(dev(model.layers[i].grads["W"], W.grad), dev(model.layers[i].grads["b"], b.grad))
                   for i, (W, b) in params.items())

    out["MLP_3L + BCE"] = model_case(MLP_3L(list(layers_size)), 0.0)
    out[f"MLP_3L + BCE + L2 (lambda={lambd})"] = model_case(MLP_3L(list(layers_size)), lambd)
    out[f"MLP_3L_dropout (p={drop_rate}) + BCE"] = model_case(MLP_3L_dropout(list(layers_size), drop_rate), 0.0)
    return out
