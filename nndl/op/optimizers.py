"""第 7.3 节的五个手写优化器，以及动手练习中的 `AdaDelta`、`AdamW` 和超出本书的 `Nesterov`：
每个只写自己的更新公式，其余（遍历参数、状态、步数、学习率调度）由基类 `Optimizer` 负责。"""

import paddle

from ..validate import check_real
from .base import Optimizer


class SimpleBatchGD(Optimizer):
    r"""小批量梯度下降：$\theta_t = \theta_{t-1} - \alpha g_t$。"""

    def update(self, x, g, state):
        return x - self.init_lr * g


class Adagrad(Optimizer):
    r"""AdaGrad：$G_t = G_{t-1} + g_t \odot g_t$，$\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t + \epsilon}} \odot g_t$。"""

    state_names = ("G",)

    def __init__(self, init_lr, model, epsilon):
        super().__init__(init_lr, model)
        epsilon = check_real(epsilon, "epsilon", min_val=0)
        self.epsilon = epsilon

    def update(self, x, g, state):
        state.G = state.G + g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


class RMSprop(Optimizer):
    r"""RMSprop：$G_t = \beta G_{t-1} + (1-\beta) g_t \odot g_t$，$\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t + \epsilon}} \odot g_t$。"""

    state_names = ("G",)

    def __init__(self, init_lr, model, beta, epsilon):
        super().__init__(init_lr, model)
        beta = check_real(beta, "beta", min_val=0, max_val=1, include_boundaries="left")
        epsilon = check_real(epsilon, "epsilon", min_val=0)
        self.beta = beta
        self.epsilon = epsilon

    def update(self, x, g, state):
        state.G = self.beta * state.G + (1 - self.beta) * g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


class Momentum(Optimizer):
    r"""动量法：$\Delta\theta_t = \rho \Delta\theta_{t-1} - \alpha g_t$，$\theta_t = \theta_{t-1} + \Delta\theta_t$。"""

    state_names = ("delta",)

    def __init__(self, init_lr, model, rho):
        super().__init__(init_lr, model)
        rho = check_real(rho, "rho", min_val=0, max_val=1, include_boundaries="left")
        self.rho = rho

    def update(self, x, g, state):
        state.delta = self.rho * state.delta - self.init_lr * g
        return x + state.delta


class Adam(Optimizer):
    r"""Adam：$M_t = \beta_1 M_{t-1} + (1-\beta_1) g_t$，$G_t = \beta_2 G_{t-1} + (1-\beta_2) g_t \odot g_t$，
    $\hat M_t = \frac{M_t}{1-\beta_1^t}$，$\hat G_t = \frac{G_t}{1-\beta_2^t}$，
    $\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{\hat G_t + \epsilon}} \hat M_t$。

    `t` 是基类的步数：每次 `step()` 加 1，与参数个数无关（书中的代码每处理一个参数就加 1）。
    """

    state_names = ("M", "G")

    def __init__(self, init_lr, model, beta1, beta2, epsilon):
        super().__init__(init_lr, model)
        beta1 = check_real(beta1, "beta1", min_val=0, max_val=1, include_boundaries="left")
        beta2 = check_real(beta2, "beta2", min_val=0, max_val=1, include_boundaries="left")
        epsilon = check_real(epsilon, "epsilon", min_val=0)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def update(self, x, g, state):
        state.M = self.beta1 * state.M + (1 - self.beta1) * g
        state.G = self.beta2 * state.G + (1 - self.beta2) * g * g
        M_hat = state.M / (1 - self.beta1 ** self.t)
        G_hat = state.G / (1 - self.beta2 ** self.t)
        return x - self.init_lr / paddle.sqrt(G_hat + self.epsilon) * M_hat


# ---- 动手练习与超出本书的优化器：同样只写更新公式 ----

class AdaDelta(Optimizer):
    r"""AdaDelta（动手练习 7.4）：用参数更新量平方的移动平均 $\Delta X^2_{t-1}$ 代替固定的学习率。

    $G_t = \beta G_{t-1} + (1-\beta) g_t \odot g_t$，
    $\Delta\theta_t = -\frac{\sqrt{\Delta X^2_{t-1} + \epsilon}}{\sqrt{G_t + \epsilon}} \odot g_t$，
    $\Delta X^2_t = \beta \Delta X^2_{t-1} + (1-\beta) \Delta\theta_t \odot \Delta\theta_t$，
    $\theta_t = \theta_{t-1} + \alpha \Delta\theta_t$。

    教科书中的 AdaDelta 没有学习率，即 $\alpha = 1$。$\alpha$ 只乘在参数的更新上，$\Delta X^2$ 累积的是乘
    $\alpha$ 之前的 $\Delta\theta_t$，两个 $\epsilon$ 都在根号内，与 `paddle.optimizer.Adadelta` 相同。
    """

    state_names = ("G", "delta_X2")

    def __init__(self, init_lr, model, beta, epsilon):
        super().__init__(init_lr, model)
        beta = check_real(beta, "beta", min_val=0, max_val=1, include_boundaries="left")
        epsilon = check_real(epsilon, "epsilon", min_val=0)
        self.beta = beta
        self.epsilon = epsilon

    def update(self, x, g, state):
        state.G = self.beta * state.G + (1 - self.beta) * g * g
        delta = -paddle.sqrt(state.delta_X2 + self.epsilon) / paddle.sqrt(state.G + self.epsilon) * g
        state.delta_X2 = self.beta * state.delta_X2 + (1 - self.beta) * delta * delta
        return x + self.lr * delta


class Nesterov(Momentum):
    r"""Nesterov 加速梯度（超出本书；7.3 节的引言提到它）。

    教科书的写法在“先按动量走一步”的点上求梯度：$\Delta\theta_t = \rho\Delta\theta_{t-1} -
    \alpha\, g(\theta_{t-1} + \rho\Delta\theta_{t-1})$。这里的模型只在当前参数上求梯度，所以用等价的换元写法
    （记 $\tilde\theta = \theta + \rho\Delta\theta$，Paddle 的 `Momentum(use_nesterov=True)` 也是这种写法）：

    $\Delta\theta_t = \rho \Delta\theta_{t-1} - \alpha g_t$，$\theta_t = \theta_{t-1} + \rho\Delta\theta_t - \alpha g_t$。
    """

    def update(self, x, g, state):
        state.delta = self.rho * state.delta - self.lr * g
        return x + self.rho * state.delta - self.lr * g


class AdamW(Adam):
    r"""AdamW（动手练习 7.5）：Adam 加上与梯度**解耦**的权重衰减。

    $\theta_t = \theta_{t-1} - \alpha\lambda\theta_{t-1} - \frac{\alpha}{\sqrt{\hat G_t + \epsilon}} \hat M_t$：
    衰减作用在更新**前**的参数上、乘学习率 $\alpha$，不进入 $M_t$、$G_t$；Adam 的一步（`Adam.update`）照旧。
    把 $\lambda\theta$ 加进梯度（L2 正则化）则会被 $\sqrt{\hat G_t}$ 除，梯度大的参数衰减得少，这正是 AdamW 要避免的。
    与 `paddle.optimizer.AdamW` 相同（`weight_decay` 即 $\lambda$），$\epsilon$ 的位置与本包的 `Adam` 一样在根号内。
    """

    def __init__(self, init_lr, model, beta1, beta2, epsilon, weight_decay):
        super().__init__(init_lr, model, beta1, beta2, epsilon)
        weight_decay = check_real(weight_decay, "weight_decay", min_val=0)
        self.weight_decay = weight_decay

    def update(self, x, g, state):
        decayed = x - self.lr * self.weight_decay * x
        return super().update(decayed, g, state)
