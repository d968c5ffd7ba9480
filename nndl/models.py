"""本章的 `paddle.nn` 卷积模型共用的卷积层：`Conv2D` 与 `paddle.nn.Conv2D` 相同，只是偏置换一种加法。

Paddle 3.3.1 在 CPU 上计算卷积输出加偏置的广播加法 `[N, C, H, W] + [1, C, 1, 1]` 极慢（LeNet 批大小 64 时
第一层约 1.8 ms，先 `expand` 成同形状再相加约 0.1 ms），训练时间的三分之一花在这里。`Conv2D` 先不带偏置卷积，
再把偏置 `expand` 成输出的形状相加：前向的每个数都相同，参数的名字（类名相同，所以 Paddle 起的名字也相同）、
初始化与 `state_dict` 不变；只有反向传播时偏置梯度的求和顺序不同，相差 float32 的舍入误差。

本章的三个卷积模型都用它：第 7.2 节与动手练习 7.5、7.6 的 LeNet（`lenet()`），7.5.1.5 节与动手练习 7.8 的
网络（`nndl.normnet.NormCNN`）。
"""

import paddle
import paddle.nn.functional as F


class Conv2D(paddle.nn.Conv2D):
    """`paddle.nn.Conv2D`，偏置先 `expand` 成输出的形状再相加（见模块说明）。参数与构造方式同 `paddle.nn.Conv2D`。"""

    def forward(self, x):
        if self._padding_mode != "zeros" or self.bias is None:
            return super().forward(x)
        y = F.conv2d(x, self.weight, None, self._stride, self._padding, self._dilation, self._groups,
                     self._data_format)
        shape = [1, -1, 1, 1] if self._data_format == "NCHW" else [1, 1, 1, -1]
        return y + self.bias.reshape(shape).expand(y.shape)


def lenet(num_classes=10):
    """书中的 `paddle.vision.models.LeNet(num_classes)`，两个卷积层换成本模块的 `Conv2D`（只有加偏置的写法不同）。"""
    from paddle.vision.models import LeNet

    model = LeNet(num_classes=num_classes)
    for layer in model.features:
        if type(layer) is paddle.nn.Conv2D:
            layer.__class__ = Conv2D
    return model
