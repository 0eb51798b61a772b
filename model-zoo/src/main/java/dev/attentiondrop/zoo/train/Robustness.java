package dev.attentiondrop.zoo.train;

import dev.attentiondrop.zoo.metrics.AttackSpec;
import dev.attentiondrop.zoo.metrics.ClassifierAttacks;
import dev.attentiondrop.zoo.metrics.RobustAccuracy;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.tensorflow.op.Ops;

/** FGSM and PGD robust accuracy of a trained model on the first test examples. */
final class Robustness {
  private Robustness() {}

  /**
   * FGSM and PGD robust accuracy at the configured radii on the first {@code config.examples()}
   * test examples: pixels for image models, input embeddings for text models. PGD takes {@code
   * config.pgdSteps()} steps of size {@code 2.5 eps / steps} from a random start seeded with the
   * training seed. Prints one line per attack to {@code out}.
   *
   * @param trainer the trained model and its session
   * @param test the test examples
   * @param config the attack settings
   * @param out where the results are printed
   * @return the FGSM result, then the PGD result
   */
  static List<RobustAccuracy> evaluate(
      Trainer trainer, Examples test, RobustnessConfig config, PrintStream out) {
    Examples subset = test.limit(config.examples());
    int[] labels = subset.labels();
    double[] eps = config.eps().stream().mapToDouble(Double::doubleValue).toArray();
    Ops tf = Ops.create(trainer.graph()).withSubScope("robustness");
    int steps = config.pgdSteps();
    long seed = trainer.trainConfig().seed();
    RobustAccuracy fgsm;
    RobustAccuracy pgd;
    if (subset.images()) {
      var attacks = ClassifierAttacks.pixels(trainer.session(), tf, trainer.model());
      fgsm = attacks.robustAccuracy(subset.pixels(), labels, eps, AttackSpec.Fgsm::new);
      pgd =
          attacks.robustAccuracy(
              subset.pixels(),
              labels,
              eps,
              e -> AttackSpec.Pgd.relative(e, steps, 2.5 / steps, true, seed));
    } else {
      int length = subset.inputShape()[0];
      int[][] ids = new int[subset.n()][];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = Arrays.copyOfRange(subset.ids(), i * length, (i + 1) * length);
      }
      var attacks = ClassifierAttacks.embeddings(trainer.session(), tf, trainer.model());
      fgsm = attacks.robustAccuracy(ids, labels, eps, AttackSpec.Fgsm::new);
      pgd =
          attacks.robustAccuracy(
              ids, labels, eps, e -> AttackSpec.Pgd.relative(e, steps, 2.5 / steps, true, seed));
    }
    for (RobustAccuracy r : List.of(fgsm, pgd)) {
      out.printf(
          "%s robust accuracy on %d test examples (clean %.4f): %s%n",
          r.attack(),
          r.examples(),
          r.cleanAccuracy(),
          IntStream.range(0, r.eps().size())
              .mapToObj(i -> String.format("eps %s: %.4f", r.eps().get(i), r.accuracy().get(i)))
              .toList());
    }
    return List.of(fgsm, pgd);
  }
}
