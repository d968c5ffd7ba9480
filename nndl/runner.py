"""`RunnerV3`：书中通用的训练/评价/预测封装。

与书中版本的区别：每个回合损失用 Python 浮点数累加（书中累加带计算图的张量，整个回合的图都留在内存里），
0 维损失用 `.item()` 取值。一步、一个回合、评价规则与评价都是 `nndl.loops` 里与实验运行器的 `LayerTrainable`
共用的那几个函数（`autograd_step`、`autograd_epoch`、`should_evaluate`、`autograd_evaluate`）。
分类准确率 `Accuracy` 在 `nndl.metric`。
"""

import paddle

from .loops import autograd_epoch, autograd_evaluate
from .validate import check_int


class RunnerV3:
    """把模型、优化器、损失函数和评价指标组合起来，负责训练、评价、预测与模型保存。"""

    def __init__(self, model, optimizer, loss_fn, metric, **kwargs):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.metric = metric
        self.dev_scores = []
        self.train_epoch_losses = []
        self.train_step_losses = []  # (global_step, loss)
        self.dev_losses = []  # (global_step, loss)
        self.best_score = 0

    def train(self, train_loader, dev_loader=None, **kwargs):
        num_epochs = check_int(kwargs.get("num_epochs", 0), "num_epochs", min_val=0)
        log_steps = kwargs.get("log_steps", 100)
        eval_steps = kwargs.get("eval_steps", 0)
        save_path = kwargs.get("save_path", "best_model.pdparams")
        custom_print_log = kwargs.get("custom_print_log", None)
        if eval_steps and dev_loader is None:
            raise ValueError("eval_steps > 0 时必须提供 dev_loader")
        if eval_steps and self.metric is None:
            raise ValueError("eval_steps > 0 时必须提供 metric")

        num_training_steps = num_epochs * len(train_loader)
        global_step = 0
        for epoch in range(num_epochs):
            def log(step, loss_value, epoch=epoch):
                self.train_step_losses.append((step, loss_value))
                if log_steps and step % log_steps == 0:
                    print(f"[Train] epoch: {epoch}/{num_epochs}, step: {step}/{num_training_steps}, loss: {loss_value:.5f}")
                if custom_print_log:
                    custom_print_log(self)

            step_losses, epoch_loss = autograd_epoch(
                self.model, self.optimizer, self.loss_fn, train_loader, global_step, num_training_steps, eval_steps,
                on_evaluate=lambda step: self._evaluate_and_save(dev_loader, step, save_path), before_update=log)
            global_step += len(step_losses)
            self.train_epoch_losses.append(epoch_loss)
        if log_steps:
            print("[Train] Training done!")

    def _evaluate_and_save(self, dev_loader, global_step, save_path):
        """训练中的一次评价：打印验证分数与损失；分数超过此前最好的就保存模型。"""
        dev_score, dev_loss = self.evaluate(dev_loader, global_step=global_step)
        print(f"[Evaluate]  dev score: {dev_score:.5f}, dev loss: {dev_loss:.5f}")
        if dev_score > self.best_score:
            self.save_model(save_path)
            print(f"[Evaluate] best accuracy performence has been updated: {self.best_score:.5f} --> {dev_score:.5f}")
            self.best_score = dev_score

    def evaluate(self, dev_loader, **kwargs):
        if self.metric is None:
            raise ValueError("evaluate 需要 metric")
        global_step = kwargs.get("global_step", -1)
        dev_score, dev_loss = autograd_evaluate(self.model, self.loss_fn, self.metric, dev_loader)
        if global_step != -1:
            self.dev_losses.append((global_step, dev_loss))
            self.dev_scores.append(dev_score)
        return dev_score, dev_loss

    @paddle.no_grad()
    def predict(self, x, **kwargs):
        self.model.eval()
        return self.model(x)

    def save_model(self, save_path):
        paddle.save(self.model.state_dict(), save_path)

    def load_model(self, model_path):
        self.model.set_state_dict(paddle.load(model_path))
