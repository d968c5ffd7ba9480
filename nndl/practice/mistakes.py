r"""看似合理的错误：一张表，两个用处。

每一条是参考实现源码里的一处精确替换：`path`（相对于项目根目录，如 `nndl/op/optimizers.py`）中恰好出现一次的
`old` 换成 `new`。

- 练习的检查（`nndl.practice.check_*`）在内存里把这处替换打进参考实现的源码，得到“犯了这个错误”的版本，在同一个
  小例子上运行；学习者的结果与它一致、而与表中别的错误都不一致时，检查说出 `hint`（“很可能……”）。
- 敏感性测试（tests/system/test_sensitivity.py）经由 tests/sensitivity_bugs.py 把 `notebooks` 非空的每一条打进
  项目副本里的那个文件，要求列出的每个 notebook 的 nbval 在一个结果单元格失败。`notebooks` 为空的条目只用于练习：
  页面上的对照不一定看得出它（例如书中的 ε = 1e-7 时，ε 在根号内外只差 1e-7 的量级），或者为它再执行一遍
  notebook 太贵。

所以 `old` 必须在文件里恰好出现一次（tests/unit/test_practice.py 与敏感性测试都检查）；改写了参考实现的代码，
就要更新这里钉住的原文。`check` 是 `nndl.practice.catalog.EXERCISES` 中练习的键，`name` 是敏感性测试里 bug 的
英文名（全表唯一）。
"""

from dataclasses import dataclass

__all__ = ["Mistake", "MISTAKES", "mistakes_for"]


@dataclass(frozen=True)
class Mistake:
    check: str            # 练习的键，如 "adam"
    name: str             # 英文短名（敏感性测试里 bug 的名字）
    path: str             # 相对于项目根目录的文件
    old: str              # 文件里恰好出现一次的原文
    new: str              # 换成的文字
    hint: str             # 学习者读到的中文说明：“很可能……”后面的话
    notebooks: tuple = () # 打进项目副本后，nbval 必须失败的 notebook（敏感性测试）


OPT = "nndl/op/optimizers.py"
FUN = "nndl/op/functions.py"
NORM = "nndl/op/norm.py"
LAYERS = "nndl/op/layers.py"
INIT = "nndl/init.py"
LR = "nndl/lr.py"

# Dropout 的前向与反向（几个错误同时改两处，写成一段）
_DROPOUT = ("            self.mask = None\n            return inputs\n        keep = 1.0 - self.drop_rate\n"
            "        self.mask = (paddle.rand(inputs.shape) >= self.drop_rate).astype(inputs.dtype)\n"
            "        return inputs * self.mask / keep\n\n    def backward(self, grads):\n"
            "        if self.mask is None:\n            return grads\n        return grads * self.mask / (1.0 - self.drop_rate)")

MISTAKES = (
    # ---- 7.3.1 小批量梯度下降、被优化函数的梯度、线性算子的反向 ----
    Mistake("sgd", "SGD steps along the gradient instead of against it", OPT,
            "return x - self.init_lr * g\n", "return x + self.init_lr * g\n",
            "梯度的符号写反了：梯度下降沿负梯度方向走，θ − αg"),
    Mistake("sgd", "SGD without the learning rate", OPT,
            "return x - self.init_lr * g\n", "return x - g\n",
            "没有乘学习率 α"),
    Mistake("optimized_function", "2-D test function: gradient without the factor 2", FUN,
            'self.grads["x"] = 2 * self.w * self.params["x"]', 'self.grads["x"] = self.w * self.params["x"]',
            "梯度少了系数 2：w·x² 对 x 的导数是 2w⊙x", notebooks=("notebooks/7-3-1-setup.ipynb",)),
    Mistake("optimized_function", "2-D test function: gradient without the weights w", FUN,
            'self.grads["x"] = 2 * self.w * self.params["x"]', 'self.grads["x"] = 2 * self.params["x"]',
            "梯度里忘了乘权重 w（那是不加权的 Sphere 函数的梯度）"),
    Mistake("optimized_function", "2-D test function: the negative gradient", FUN,
            'self.grads["x"] = 2 * self.w * self.params["x"]', 'self.grads["x"] = -2 * self.w * self.params["x"]',
            "存的是负梯度：grads 里放梯度本身，沿负梯度方向走是优化器的事"),
    Mistake("linear", "Linear backward: bias gradient divided by K - 1", FUN,
            'self.grads["b"] = paddle.sum(error, axis=0) / K', 'self.grads["b"] = paddle.sum(error, axis=0) / (K - 1)',
            "b 的梯度除以了 K−1：损失是 K 个样本的平均，应当除以 K", notebooks=("notebooks/7-3-1-setup.ipynb",)),
    Mistake("linear", "Linear backward: error with the opposite sign", FUN,
            "error = self.outputs - labels", "error = labels - self.outputs",
            "误差的符号写反了：(z − y)²/2 对 z 的导数是 z − y"),
    Mistake("linear", "Linear backward: weight gradient summed over the batch, not averaged", FUN,
            'self.grads["W"] = paddle.matmul(self.inputs.T, error) / K',
            'self.grads["W"] = paddle.matmul(self.inputs.T, error)',
            "W 的梯度没有除以 K：损失是 K 个样本的平均"),
    # ---- 7.3.2 AdaGrad、RMSprop ----
    Mistake("adagrad", "AdaGrad accumulates the gradient twice", OPT,
            "state.G = state.G + g * g", "state.G = state.G + 2 * g * g",
            "G 每步累加了 2g⊙g，应当是 g⊙g", notebooks=("notebooks/7-3-2-adagrad-rmsprop.ipynb",)),
    Mistake("adagrad", "AdaGrad does not accumulate (only this step's g*g)", OPT,
            "state.G = state.G + g * g", "state.G = g * g",
            "G 没有累加：只用了这一步的 g⊙g，学习率就不会随迭代变小"),
    Mistake("adagrad", "AdaGrad puts epsilon outside the square root", OPT,
            "state.G = state.G + g * g\n        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g",
            "state.G = state.G + g * g\n        return x - self.init_lr / (paddle.sqrt(state.G) + self.epsilon) * g",
            "ε 放在了根号外：书中的公式是 α/√(G+ε)（Paddle 的写法 α/(√G+ε) 与它不同）"),
    Mistake("adagrad", "AdaGrad without the square root", OPT,
            "state.G = state.G + g * g\n        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g",
            "state.G = state.G + g * g\n        return x - self.init_lr / (state.G + self.epsilon) * g",
            "忘了开平方：应当除以 √(G+ε)"),
    Mistake("adagrad", "AdaGrad steps along the gradient", OPT,
            "state.G = state.G + g * g\n        return x - self.init_lr",
            "state.G = state.G + g * g\n        return x + self.init_lr",
            "更新的方向反了：参数沿负梯度方向走，θ_t = θ_{t−1} − α/√(G_t+ε)⊙g_t"),
    Mistake("rmsprop", "RMSprop decay rate swapped with its complement", OPT,
            # with the next line, so that AdaDelta's identical first line is not matched
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n        return x - self.init_lr",
            "state.G = (1 - self.beta) * state.G + self.beta * g * g\n        return x - self.init_lr",
            "把 β 和 1−β 写反了：G_t = βG_{t−1} + (1−β)g⊙g", notebooks=("notebooks/7-3-2-adagrad-rmsprop.ipynb",)),
    Mistake("rmsprop", "RMSprop: new term without (1 - beta)", OPT,
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n        return x - self.init_lr",
            "state.G = self.beta * state.G + g * g\n        return x - self.init_lr",
            "G 的新一项少乘了 1−β：移动平均是 βG_{t−1} + (1−β)g⊙g"),
    Mistake("rmsprop", "RMSprop puts epsilon outside the square root", OPT,
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n"
            "        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g",
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n"
            "        return x - self.init_lr / (paddle.sqrt(state.G) + self.epsilon) * g",
            "ε 放在了根号外：书中的公式是 α/√(G+ε)"),
    Mistake("rmsprop", "RMSprop steps along the gradient", OPT,
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n        return x - self.init_lr",
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n        return x + self.init_lr",
            "更新的方向反了：参数沿负梯度方向走，θ_t = θ_{t−1} − α/√(G_t+ε)⊙g_t"),
    # ---- 7.3.3 动量法、Adam ----
    Mistake("momentum", "Momentum: velocity decay rho swapped with 1 - rho", OPT,
            "state.delta = self.rho * state.delta - self.init_lr * g",
            "state.delta = (1 - self.rho) * state.delta - self.init_lr * g",
            "动量因子用成了 1−ρ：Δθ_t = ρΔθ_{t−1} − αg_t", notebooks=("notebooks/7-3-3-momentum-adam.ipynb",)),
    Mistake("momentum", "Momentum subtracts the update that already carries the minus sign", OPT,
            "return x + state.delta", "return x - state.delta",
            "动量的符号错了：Δθ 已经带着负号（−αg），参数应当加上它，θ_t = θ_{t−1} + Δθ_t"),
    Mistake("adam", "Adam bias correction off by one step", OPT,
            "M_hat = state.M / (1 - self.beta1 ** self.t)", "M_hat = state.M / (1 - self.beta1 ** (self.t + 1))",
            "M 的偏差修正多算了一步：第 t 次更新（t 从 1 数起）除以 1−β₁ᵗ，不是 1−β₁ᵗ⁺¹",
            notebooks=("notebooks/7-3-3-momentum-adam.ipynb",)),
    Mistake("adam", "Adam: both bias corrections with t + 1", OPT,
            "M_hat = state.M / (1 - self.beta1 ** self.t)\n        G_hat = state.G / (1 - self.beta2 ** self.t)",
            "M_hat = state.M / (1 - self.beta1 ** (self.t + 1))\n"
            "        G_hat = state.G / (1 - self.beta2 ** (self.t + 1))",
            "偏差修正用了 t+1：基类在调用 update 之前已经把 t 加 1，第一次更新时 t = 1"),
    Mistake("adam", "Adam without bias correction", OPT,
            "M_hat = state.M / (1 - self.beta1 ** self.t)\n        G_hat = state.G / (1 - self.beta2 ** self.t)",
            "M_hat = state.M\n        G_hat = state.G",
            "没有做偏差修正：M̂ = M/(1−β₁ᵗ)，Ĝ = G/(1−β₂ᵗ)"),
    Mistake("adam", "Adam: beta1 swapped with 1 - beta1", OPT,
            "state.M = self.beta1 * state.M + (1 - self.beta1) * g",
            "state.M = (1 - self.beta1) * state.M + self.beta1 * g",
            "把 β₁ 和 1−β₁ 写反了：M_t = β₁M_{t−1} + (1−β₁)g_t"),
    Mistake("adam", "Adam: beta2 swapped with 1 - beta2", OPT,
            "state.G = self.beta2 * state.G + (1 - self.beta2) * g * g",
            "state.G = (1 - self.beta2) * state.G + self.beta2 * g * g",
            "把 β₂ 和 1−β₂ 写反了：G_t = β₂G_{t−1} + (1−β₂)g⊙g"),
    Mistake("adam", "Adam steps along the gradient", OPT,
            "return x - self.init_lr / paddle.sqrt(G_hat + self.epsilon) * M_hat",
            "return x + self.init_lr / paddle.sqrt(G_hat + self.epsilon) * M_hat",
            "更新的方向反了：参数沿 −M̂ 的方向走，θ_t = θ_{t−1} − α/√(Ĝ_t+ε)⊙M̂_t"),
    Mistake("adam", "Adam puts epsilon outside the square root", OPT,
            "return x - self.init_lr / paddle.sqrt(G_hat + self.epsilon) * M_hat",
            "return x - self.init_lr / (paddle.sqrt(G_hat) + self.epsilon) * M_hat",
            "ε 放在了根号外：书中的公式是 α/√(Ĝ+ε)（Paddle 与 PyTorch 写作 α/(√Ĝ+ε)）"),
    # ---- 动手练习 7.3–7.5：AdaDelta、Nesterov、AdamW、余弦衰减 ----
    Mistake("adadelta", "AdaDelta puts epsilon outside the square roots", OPT,
            "delta = -paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g",
            "delta = -(paddle.sqrt(state.delta_X2) + self.epsilon) / (paddle.sqrt(state.G) + self.epsilon) * g",
            "ε 放在了根号外：两个 ε 都在根号内，√(ΔX²+ε)/√(G+ε)", notebooks=("notebooks/7-3-exercises.ipynb",)),
    Mistake("adadelta", "AdaDelta accumulates the update already scaled by the learning rate", OPT,
            "delta = -paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g\n"
            "        state.delta_X2 = self.beta * state.delta_X2 + (1 - self.beta) * delta * delta\n"
            "        return x + self.lr * delta",
            "delta = -self.lr * paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g\n"
            "        state.delta_X2 = self.beta * state.delta_X2 + (1 - self.beta) * delta * delta\n"
            "        return x + delta",
            "ΔX² 累积了乘过学习率的更新量：累积的应当是乘 α 之前的 Δθ（与 paddle.optimizer.Adadelta 相同）"),
    Mistake("adadelta", "AdaDelta uses the previous step's G", OPT,
            "state.G = self.beta * state.G + (1 - self.beta) * g * g\n"
            "        delta = -paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g\n",
            "delta = -paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g\n"
            "        state.G = self.beta * state.G + (1 - self.beta) * g * g\n",
            "用了上一步的 G_{t−1}：先更新 G_t，再用它算 Δθ_t"),
    Mistake("nesterov", "Nesterov loses its look-ahead term (plain momentum)", OPT,
            "return x + self.rho * state.delta - self.lr * g", "return x + state.delta",
            "少了向前看的一步：θ_t = θ_{t−1} + ρΔθ_t − αg_t（只加 Δθ_t 就是普通的动量法）",
            notebooks=("notebooks/7-3-exercises.ipynb",)),
    Mistake("nesterov", "Nesterov without the gradient term of the look-ahead", OPT,
            "return x + self.rho * state.delta - self.lr * g", "return x + self.rho * state.delta",
            "向前看的一步少了 −αg_t：θ_t = θ_{t−1} + ρΔθ_t − αg_t"),
    Mistake("adamw", "AdamW applies the decoupled decay after the Adam step instead of before", OPT,
            "        decayed = x - self.lr * self.weight_decay * x\n        return super().update(decayed, g, state)",
            "        stepped = super().update(x, g, state)\n        return stepped - self.lr * self.weight_decay * stepped",
            "先做了 Adam 的一步再衰减：衰减作用在这一步更新之前的参数上（与 paddle.optimizer.AdamW 相同）",
            notebooks=("notebooks/7-3-exercises.ipynb",)),
    Mistake("adamw", "AdamW decay without the learning rate", OPT,
            "decayed = x - self.lr * self.weight_decay * x", "decayed = x - self.weight_decay * x",
            "衰减没有乘学习率：每步把参数乘以 1−αλ"),
    Mistake("adamw", "AdamW written as Adam with L2 regularization", OPT,
            "        decayed = x - self.lr * self.weight_decay * x\n        return super().update(decayed, g, state)",
            "        return super().update(x, g + self.weight_decay * x, state)",
            "把 λθ 加进了梯度：那是 Adam 加 ℓ2 正则化，AdamW 的衰减不经过 M、G"),
    Mistake("cosine_annealing_decay", "Cosine decay one step ahead", LR,
            "(1 + math.cos(math.pi * t / self.T_max)) / 2", "(1 + math.cos(math.pi * (t + 1) / self.T_max)) / 2",
            "超前了一步：schedule(0) 应当是初始学习率，t 是已做的更新次数"),
    Mistake("cosine_annealing_decay", "Cosine decay held at eta_min after T_max", LR,
            "(1 + math.cos(math.pi * t / self.T_max)) / 2", "(1 + math.cos(math.pi * min(t, self.T_max) / self.T_max)) / 2",
            "第 T_max 步之后停在了 η_min：与 Paddle 的 CosineAnnealingDecay 一样，之后按余弦升回去（周期 2·T_max）"),
    Mistake("cosine_annealing_decay", "Cosine decay forgets eta_min", LR,
            "return self.eta_min + (self.init_lr - self.eta_min) * (1 + math.cos(",
            "return self.init_lr * (1 + math.cos(",
            "忘了 η_min：学习率应当在 η_min 与初始值之间变化"),
    Mistake("cosine_annealing_decay", "Cosine decay without the factor 1/2", LR,
            "(1 + math.cos(math.pi * t / self.T_max)) / 2", "(1 + math.cos(math.pi * t / self.T_max))",
            "少了 1/2：(1 + cos) 在 0 到 2 之间，乘 1/2 才在 0 到 1 之间"),
    Mistake("cosine_annealing_decay", "Cosine decay with period T_max instead of 2 T_max", LR,
            "(1 + math.cos(math.pi * t / self.T_max)) / 2", "(1 + math.cos(2 * math.pi * t / self.T_max)) / 2",
            "余弦里多了 2：第 T_max 步降到 η_min，即 cos(πt/T_max)"),
    # ---- 7.4 参数初始化 ----
    Mistake("xavier_normal", "Xavier normal std with the wrong fan: sqrt(1 / (M_in + M_out))", INIT,
            "return math.sqrt(2.0 / fan_sum)", "return math.sqrt(1.0 / fan_sum)",
            "方差少了系数 2：Xavier 的方差是 2/(M_{l−1}+M_l)", notebooks=("notebooks/7-4-initialization.ipynb",)),
    Mistake("xavier_normal", "Xavier normal with the fan-in only", INIT,
            "fan_sum = input_size + output_size\n    return math.sqrt(2.0 / fan_sum)",
            "fan_sum = input_size\n    return math.sqrt(2.0 / fan_sum)",
            "只用了输入个数 M_{l−1}：Xavier 兼顾前向与反向，分母是 M_{l−1}+M_l（只看输入个数的 2/M_{l−1} 是 He 初始化）"),
    Mistake("xavier_normal", "Xavier normal returns the variance instead of the std", INIT,
            "return math.sqrt(2.0 / fan_sum)", "return 2.0 / fan_sum",
            "返回了方差而不是标准差：paddle.normal 与 nn.initializer.Normal 的参数是标准差，要开平方"),
    Mistake("xavier_normal", "Xavier normal returns the uniform radius", INIT,
            "return math.sqrt(2.0 / fan_sum)", "return math.sqrt(6.0 / fan_sum)",
            "返回了均匀分布的半径 r = √(6/(M_{l−1}+M_l))：高斯分布要的是标准差 √(2/(M_{l−1}+M_l))"),
    Mistake("xavier_uniform", "Xavier uniform radius with 3 instead of 6 under the root", INIT,
            "return math.sqrt(6.0 / fan_sum)", "return math.sqrt(3.0 / fan_sum)",
            "根号里是 3 而不是 6：r = √(3σ²)，σ² = 2/(M_{l−1}+M_l)，所以 r = √(6/(M_{l−1}+M_l))",
            notebooks=("notebooks/7-4-initialization.ipynb",)),
    Mistake("xavier_uniform", "Xavier uniform with the fan-in only", INIT,
            "fan_sum = input_size + output_size\n    return math.sqrt(6.0 / fan_sum)",
            "fan_sum = input_size\n    return math.sqrt(6.0 / fan_sum)",
            "只用了输入个数 M_{l−1}：Xavier 的分母是 M_{l−1}+M_l"),
    Mistake("xavier_uniform", "Xavier uniform returns the std instead of the radius", INIT,
            "return math.sqrt(6.0 / fan_sum)", "return math.sqrt(2.0 / fan_sum)",
            "返回了标准差 σ 而不是半径：U[−r, r] 的方差是 r²/3，所以 r = √3·σ"),
    Mistake("kaiming_normal", "He normal std without the ReLU factor 2", INIT,
            "return math.sqrt(2.0 / input_size)", "return math.sqrt(1.0 / input_size)",
            "方差少了系数 2：ReLU 把一半的输入置 0，He 初始化的方差是 2/M_{l−1}",
            notebooks=("notebooks/7-4-initialization.ipynb",)),
    Mistake("kaiming_normal", "He normal with the fan sum (Xavier's denominator)", INIT,
            "return math.sqrt(2.0 / input_size)", "return math.sqrt(2.0 / (input_size + output_size))",
            "分母用了 M_{l−1}+M_l（那是 Xavier）：He 初始化只看输入个数 M_{l−1}"),
    Mistake("kaiming_normal", "He normal returns the variance instead of the std", INIT,
            "return math.sqrt(2.0 / input_size)", "return 2.0 / input_size",
            "返回了方差而不是标准差：要开平方"),
    # ---- 7.5 批量规范化、层规范化 ----
    Mistake("batchnorm", "BatchNorm moving average: momentum swapped with its complement", NORM,
            # both lines, as a learner who swaps them swaps them in both
            "self.moving_mean.set_value(m * self.moving_mean + (1 - m) * mean.detach().reshape([-1]))\n"
            "                self.moving_variance.set_value(m * self.moving_variance + (1 - m) * var.detach().reshape([-1]))",
            "self.moving_mean.set_value((1 - m) * self.moving_mean + m * mean.detach().reshape([-1]))\n"
            "                self.moving_variance.set_value((1 - m) * self.moving_variance + m * var.detach().reshape([-1]))",
            "滑动平均里把 m 和 1−m 写反了：μ_moving ← m·μ_moving + (1−m)·μ_B（方差同样）",
            notebooks=("notebooks/7-5-normalization.ipynb",)),
    Mistake("batchnorm", "BatchNorm: epsilon dropped again (the book's paddle.sqrt(var, eps))", NORM,
            "X_hat = (X - mean) / paddle.sqrt(var + self.eps)", "X_hat = (X - mean) / paddle.sqrt(var, self.eps)",
            "ε 没有加上：paddle.sqrt 的第二个参数是 name，ε 要写进根号里，√(σ²+ε)",
            notebooks=("notebooks/7-5-normalization.ipynb",)),
    Mistake("batchnorm", "BatchNorm puts epsilon outside the square root", NORM,
            "X_hat = (X - mean) / paddle.sqrt(var + self.eps)", "X_hat = (X - mean) / (paddle.sqrt(var) + self.eps)",
            "ε 放在了根号外：应当是 √(σ²+ε)"),
    Mistake("batchnorm", "BatchNorm uses the unbiased batch variance", NORM,
            "            var = paddle.mean((X - mean) ** 2, axis=axes, keepdim=True)",
            "            var = paddle.var(X, axis=axes, keepdim=True)",
            "方差用了无偏估计（除以 N−1，paddle.var 的默认）：批量规范化用有偏方差（除以 N），与 Paddle 的 BatchNorm 相同"),
    Mistake("batchnorm", "BatchNorm normalizes with the batch statistics in evaluation mode", NORM,
            "if train_mode:", "if True:",
            "测试模式（train_mode=False）也用了本批次的统计量：测试时应当用滑动平均 moving_mean、moving_variance"),
    Mistake("batchnorm", "BatchNorm treats the batch mean as a constant in the backward pass", NORM,
            "            mean = paddle.mean(X, axis=axes, keepdim=True)\n",
            "            mean = paddle.mean(X, axis=axes, keepdim=True).detach()\n",
            "把批次均值 μ 当成了常数（detach 或 no_grad）：输出不变，但对输入的梯度少了经过 μ 的那一项"),
    Mistake("layernorm", "LayerNorm normalizes over the batch axis instead of each sample", NORM,
            "axes = [-1] if X.ndim in (2, 3) else [1, 2, 3]", "axes = [0] if X.ndim in (2, 3) else [0, 2, 3]",
            "在批次的维度上求了统计量（那是批量规范化）：层规范化对每个样本单独求",
            notebooks=("notebooks/7-5-normalization.ipynb",)),
    Mistake("layernorm", "LayerNorm: 4-D input normalized over the last axis only", NORM,
            "axes = [-1] if X.ndim in (2, 3) else [1, 2, 3]", "axes = [-1]",
            "四维输入 [N, C, H, W] 只在最后一维上求了统计量：应当在 C、H、W 上求"),
    Mistake("layernorm", "LayerNorm uses the unbiased variance", NORM,
            "        var = paddle.mean((X - mean) ** 2, axis=axes, keepdim=True)\n        std",
            "        var = paddle.var(X, axis=axes, keepdim=True)\n        std",
            "方差用了无偏估计（除以 M−1，paddle.var 的默认）：层规范化用有偏方差（除以 M）"),
    Mistake("layernorm", "LayerNorm puts epsilon outside the square root", NORM,
            "std = paddle.sqrt(var + self.eps)", "std = paddle.sqrt(var) + self.eps",
            "ε 放在了根号外：应当是 √(σ²+ε)"),
    Mistake("layernorm", "LayerNorm treats the mean as a constant in the backward pass", NORM,
            "return self.gamma * (X - mean) / std + self.beta",
            "return self.gamma * (X - mean.detach()) / std + self.beta",
            "把均值 μ 当成了常数（detach）：输出不变，但对输入的梯度少了经过 μ 的那一项"),
    # ---- 7.6 正则化：ℓ2 的损失与梯度、权重衰减、暂退法 ----
    Mistake("l2_loss", "7.6 L2: weight gradient lambda*W instead of lambda*W/N", LAYERS,
            'layer.grads["W"] = layer.grads["W"] + self.lambd / N * layer.params["W"]',
            'layer.grads["W"] = layer.grads["W"] + self.lambd * layer.params["W"]',
            "ℓ2 的梯度没有除以 N：损失里是 λ/(2N)·Σ‖W‖²，梯度是 λW/N", notebooks=("notebooks/7-6-regularization.ipynb",)),
    Mistake("l2_loss", "7.6 L2: gradient 2*lambda*W/N", LAYERS,
            'layer.grads["W"] = layer.grads["W"] + self.lambd / N * layer.params["W"]',
            'layer.grads["W"] = layer.grads["W"] + 2 * self.lambd / N * layer.params["W"]',
            "ℓ2 的梯度多乘了 2：λ/(2N)·‖W‖² 求导时 2 与 1/2 抵消，梯度是 λW/N"),
    Mistake("l2_loss", "7.6 L2: loss term without the 1/2", LAYERS,
            "loss = loss + self.lambd / (2 * N) * paddle.add_n", "loss = loss + self.lambd / N * paddle.add_n",
            "损失里的 ℓ2 项少了 1/2：是 λ/(2N)·Σ‖W‖²"),
    Mistake("l2_loss", "7.6 L2: biases regularized too", LAYERS,
            '                    layer.grads["W"] = layer.grads["W"] + self.lambd / N * layer.params["W"]\n',
            '                    layer.grads["W"] = layer.grads["W"] + self.lambd / N * layer.params["W"]\n'
            '                    layer.grads["b"] = layer.grads["b"] + self.lambd / N * layer.params["b"]\n',
            "偏置也加上了 ℓ2 的梯度：书中的 ℓ2 正则化只作用于权重 W"),
    Mistake("l2_loss", "7.6 BCE: gradient of the logits not divided by N", LAYERS,
            "self.model.backward((self.predicts - self.labels) / N)",
            "self.model.backward(self.predicts - self.labels)",
            "交叉熵对 logits 的梯度少了 1/N：损失是 N 个样本的平均，∂L/∂o = (σ(o) − y)/N"),
    Mistake("weight_decay", "7.6 weight decay: biases not decayed", LAYERS,
            "return (1 - self.weight_decay) * x - self.init_lr * g",
            "return (1 - self.weight_decay * (x.shape[0] > 1)) * x - self.init_lr * g",
            "偏置没有衰减：书中的 BatchGD 对全部参数衰减，偏置也不例外", notebooks=("notebooks/7-6-regularization.ipynb",)),
    Mistake("weight_decay", "7.6 weight decay scaled by the learning rate", LAYERS,
            "return (1 - self.weight_decay) * x - self.init_lr * g",
            "return (1 - self.init_lr * self.weight_decay) * x - self.init_lr * g",
            "衰减系数乘了学习率：书中的权重衰减是 (1−β)θ − αg，β 不乘 α"),
    Mistake("weight_decay", "7.6 weight decay applied after the gradient step", LAYERS,
            "return (1 - self.weight_decay) * x - self.init_lr * g",
            "return (1 - self.weight_decay) * (x - self.init_lr * g)",
            "先走了梯度步再衰减：衰减作用在更新前的参数上，(1−β)θ − αg"),
    Mistake("weight_decay", "7.6 weight decay grows the parameters", LAYERS,
            "return (1 - self.weight_decay) * x - self.init_lr * g",
            "return (1 + self.weight_decay) * x - self.init_lr * g",
            "衰减写成了放大：应当乘以 1−β"),
    Mistake("dropout", "7.6 dropout: keeps each unit with probability p instead of 1 - p", LAYERS,
            "self.mask = (paddle.rand(inputs.shape) >= self.drop_rate).astype(inputs.dtype)",
            "self.mask = (paddle.rand(inputs.shape) < self.drop_rate).astype(inputs.dtype)",
            "以概率 p 保留、1−p 丢弃，正好反了：p 是丢弃率", notebooks=("notebooks/7-6-regularization.ipynb",)),
    Mistake("dropout", "7.6 dropout without the 1/(1 - p) scaling", LAYERS,
            _DROPOUT, _DROPOUT.replace("return inputs * self.mask / keep", "return inputs * self.mask")
            .replace("return grads * self.mask / (1.0 - self.drop_rate)", "return grads * self.mask"),
            "训练时没有除以 1−p：不除的话输出的期望变成 (1−p)X，测试时直接输出 X 就与训练时不一致"),
    Mistake("dropout", "7.6 dropout scales by 1/p", LAYERS,
            _DROPOUT, _DROPOUT.replace("keep = 1.0 - self.drop_rate", "keep = self.drop_rate")
            .replace("return grads * self.mask / (1.0 - self.drop_rate)", "return grads * self.mask / self.drop_rate"),
            "除以了 p 而不是 1−p：保留的概率是 1−p"),
    Mistake("dropout", "7.6 dropout scales at test time instead of training time", LAYERS,
            _DROPOUT,
            _DROPOUT.replace("            return inputs\n", "            return inputs * (1.0 - self.drop_rate)\n")
            .replace("return inputs * self.mask / keep", "return inputs * self.mask")
            .replace("return grads * self.mask / (1.0 - self.drop_rate)", "return grads * self.mask"),
            "在测试时乘以 1−p（原始论文的写法），训练时没有除以 1−p：书中的写法是训练时除以 1−p，测试时原样输出"),
    Mistake("dropout", "7.6 dropout also drops in evaluation mode", LAYERS,
            "if not self.training:", "if False:",
            "测试模式（eval() 之后）也在丢弃：测试时输出应当就是输入"),
    Mistake("dropout", "7.6 dropout backward in evaluation mode reuses the last training mask", LAYERS,
            "            self.mask = None\n            return inputs\n", "            return inputs\n",
            "测试模式的反向用了上一次训练时的掩码：测试模式下 Dropout 是恒等映射，反向应当原样返回梯度"
            "（测试模式的前向把 mask 设为 None，反向据此判断）"),
    Mistake("dropout", "7.6 dropout backward without the 1/(1 - p)", LAYERS,
            "return grads * self.mask / (1.0 - self.drop_rate)", "return grads * self.mask",
            "反向没有除以 1−p：前向的输出是 X⊙M/(1−p)，对 X 的梯度是 δ⊙M/(1−p)"),
    Mistake("dropout", "7.6 dropout backward ignores the mask", LAYERS,
            "return grads * self.mask / (1.0 - self.drop_rate)", "return grads / (1.0 - self.drop_rate)",
            "反向传播时梯度没有乘掩码：被丢弃的神经元没有参与前向，梯度也不应流过它们"),
)


def mistakes_for(check):
    """练习 `check` 的全部错误（按表中的顺序）。"""
    return tuple(m for m in MISTAKES if m.check == check)
