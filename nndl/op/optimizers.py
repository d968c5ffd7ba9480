"""第 7.3 节的五个手写优化器：每个只写自己的更新公式，其余由基类 `Optimizer` 负责。"""

import paddle

from .base import Optimizer, _check_epsilon, _check_fraction


class SimpleBatchGD(Optimizer):
    r"""小批量梯度下降：$\theta_t = \theta_{t-1} - \alpha g_t$。"""

    def update(self, x, g, state):
        return x - self.init_lr * g


class Adagrad(Optimizer):
    r"""AdaGrad：$G_t = G_{t-1} + g_t \odot g_t$，$\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t + \epsilon}} \odot g_t$。"""

    state_names = ("G",)

    def __init__(self, init_lr, model, epsilon):
        super().__init__(init_lr, model)
        self.epsilon = _check_epsilon(epsilon)

    def update(self, x, g, state):
        state.G = state.G + g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


class RMSprop(Optimizer):
    r"""RMSprop：$G_t = \beta G_{t-1} + (1-\beta) g_t \odot g_t$，$\theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t + \epsilon}} \odot g_t$。"""

    state_names = ("G",)

    def __init__(self, init_lr, model, beta, epsilon):
        super().__init__(init_lr, model)
        self.beta = _check_fraction("beta", beta)
        self.epsilon = _check_epsilon(epsilon)

    def update(self, x, g, state):
        state.G = self.beta * state.G + (1 - self.beta) * g * g
        return x - self.init_lr / paddle.sqrt(state.G + self.epsilon) * g


class Momentum(Optimizer):
    r"""动量法：$\Delta\theta_t = \rho \Delta\theta_{t-1} - \alpha g_t$，$\theta_t = \theta_{t-1} + \Delta\theta_t$。"""

    state_names = ("delta",)

    def __init__(self, init_lr, model, rho):
        super().__init__(init_lr, model)
        self.rho = _check_fraction("rho", rho)

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
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.epsilon = _check_epsilon(epsilon)

    def update(self, x, g, state):
        state.M = self.beta1 * state.M + (1 - self.beta1) * g
        state.G = self.beta2 * state.G + (1 - self.beta2) * g * g
        M_hat = state.M / (1 - self.beta1 ** self.t)
        G_hat = state.G / (1 - self.beta2 ** self.t)
        return x - self.init_lr / paddle.sqrt(G_hat + self.epsilon) * M_hat
