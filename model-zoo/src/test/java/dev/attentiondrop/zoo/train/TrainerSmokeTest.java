package dev.attentiondrop.zoo.train;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.data.Datasets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerSmokeTest {
  @Test
  void smoke() throws Exception {
    var train = Examples.of(Datasets.loadImages("fashion-mnist-mini", "train"));
    var test = Examples.of(Datasets.loadImages("fashion-mnist-mini", "test"));
    var mc = ModelConfig.vit().regularizer("hard_mask", Map.of("k", 4, "p", 0.1)).build();
    var tc = TrainConfig.defaults("fashion-mnist-mini").withEpochs(3);
    try (Trainer t = new Trainer(mc, tc)) {
      var sched = t.schedule(train.n());
      long step = 0;
      for (int e = 1; e <= 3; e++) {
        int[] order = t.shuffle(train.n(), e);
        long t0 = System.nanoTime();
        double loss = 0; int correct = 0; int steps = 0;
        for (int from = 0; from < train.n(); from += 64) {
          var r = t.step(train, order, from, Math.min(train.n(), from + 64), step, sched.at(step));
          step++; steps++; loss += r.loss(); correct += r.correct();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        var p = t.predict(test);
        int ok = 0;
        for (int i = 0; i < test.n(); i++) if (Trainer.argmax(p[i], 0, 10) == test.labels()[i]) ok++;
        System.out.printf("SMOKE epoch %d loss %.4f train acc %.3f test acc %.3f  %.2fs (%.1f ms/step) steps=%d%n", e, loss/steps, correct/(double)train.n(), ok/(double)test.n(), secs, secs*1000/steps, t.stepsDone());
      }
    }
  }
}
