"""`RunnerV3`：书中通用的训练/评价/预测封装（分类准确率 `Accuracy` 在 `nndl.metric`）。

与书中版本的区别：每个回合损失用 Python 浮点数累加（书中累加带计算图的张量，整个回合的图都留在内存里），
0 维损失用 `.item()` 取值。
"""

import paddle


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
        num_epochs = kwargs.get("num_epochs", 0)
        log_steps = kwargs.get("log_steps", 100)
        eval_steps = kwargs.get("eval_steps", 0)
        save_path = kwargs.get("save_path", "best_model.pdparams")
        custom_print_log = kwargs.get("custom_print_log", None)
        if not isinstance(num_epochs, int) or num_epochs < 0:
            raise ValueError(f"num_epochs 必须是非负整数，收到 {num_epochs!r}")
        if eval_steps and dev_loader is None:
            raise ValueError("eval_steps > 0 时必须提供 dev_loader")
        if eval_steps and self.metric is None:
            raise ValueError("eval_steps > 0 时必须提供 metric")

        self.model.train()
        num_training_steps = num_epochs * len(train_loader)
        global_step = 0
        for epoch in range(num_epochs):
            total_loss = 0.0
            for X, y in train_loader:
                loss = self.loss_fn(self.model(X), y)
                loss_value = loss.item()
                total_loss += loss_value
                self.train_step_losses.append((global_step, loss_value))
                if log_steps and global_step % log_steps == 0:
                    print(f"[Train] epoch: {epoch}/{num_epochs}, step: {global_step}/{num_training_steps}, loss: {loss_value:.5f}")
                loss.backward()
                if custom_print_log:
                    custom_print_log(self)
                self.optimizer.step()
                self.optimizer.clear_grad()
                if eval_steps and global_step > 0 and (global_step % eval_steps == 0 or global_step == num_training_steps - 1):
                    dev_score, dev_loss = self.evaluate(dev_loader, global_step=global_step)
                    print(f"[Evaluate]  dev score: {dev_score:.5f}, dev loss: {dev_loss:.5f}")
                    self.model.train()
                    if dev_score > self.best_score:
                        self.save_model(save_path)
                        print(f"[Evaluate] best accuracy performence has been updated: {self.best_score:.5f} --> {dev_score:.5f}")
                        self.best_score = dev_score
                global_step += 1
            self.train_epoch_losses.append(total_loss / len(train_loader))
        if log_steps:
            print("[Train] Training done!")

    @paddle.no_grad()
    def evaluate(self, dev_loader, **kwargs):
        if self.metric is None:
            raise ValueError("evaluate 需要 metric")
        global_step = kwargs.get("global_step", -1)
        self.model.eval()
        self.metric.reset()
        total_loss = 0.0
        for X, y in dev_loader:
            logits = self.model(X)
            total_loss += self.loss_fn(logits, y).item()
            self.metric.update(logits, y)
        dev_loss = total_loss / len(dev_loader)
        dev_score = self.metric.accumulate()
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
