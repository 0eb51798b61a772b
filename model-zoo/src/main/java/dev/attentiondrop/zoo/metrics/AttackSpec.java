package dev.attentiondrop.zoo.metrics;

/**
 * An L-infinity attack and its parameters: {@link Fgsm} or {@link Pgd}. Parameters are validated
 * when the record is built; messages name the parameter, the value and the allowed range.
 */
public sealed interface AttackSpec {
  /**
   * The attack's radius.
   *
   * @return the radius {@code eps} of the L-infinity ball {@code {x : max_j |x_j - x0_j| <= eps}}
   *     around the clean input {@code x0}
   */
  double eps();

  /**
   * A short name for reports.
   *
   * @return {@code fgsm} or {@code pgd}
   */
  String name();

  /**
   * Fast gradient sign method (Goodfellow et al. 2015): {@code x' = clip(x + eps * sign(grad_x
   * L))}, one step.
   *
   * @param eps finite, {@code >= 0}
   */
  record Fgsm(double eps) implements AttackSpec {
    /**
     * Validates the radius.
     *
     * @param eps finite, {@code >= 0}
     * @throws IllegalArgumentException if {@code eps} is negative, infinite or NaN
     */
    public Fgsm {
      checkEps(eps);
    }

    /**
     * The name of FGSM.
     *
     * @return {@code "fgsm"}
     */
    @Override
    public String name() {
      return "fgsm";
    }
  }

  /**
   * Projected gradient descent on the loss (Madry et al. 2018), L-infinity: start at {@code x0} or,
   * with {@code randomStart}, at {@code clip(x0 + u)} with {@code u ~ U[-eps, eps]} drawn by {@link
   * Attacks#uniformNoise(long, int, double)} from {@code seed}; then {@code steps} times {@code x
   * <- clip(proj_{B_inf(x0, eps)}(x + stepSize * sign(grad_x L)))}.
   *
   * @param eps finite, {@code >= 0}
   * @param steps {@code >= 1}
   * @param stepSize finite, {@code > 0}
   * @param randomStart whether to start at a uniform random point of the ball
   * @param seed seed of the random start (ignored without it)
   */
  record Pgd(double eps, int steps, double stepSize, boolean randomStart, long seed)
      implements AttackSpec {
    /**
     * Validates the parameters.
     *
     * @param eps finite, {@code >= 0}
     * @param steps {@code >= 1}
     * @param stepSize finite, {@code > 0}
     * @param randomStart whether to start at a uniform random point of the ball
     * @param seed seed of the random start (ignored without it)
     * @throws IllegalArgumentException if a parameter is outside its range
     */
    public Pgd {
      checkEps(eps);
      if (steps < 1) {
        throw new IllegalArgumentException("steps must be an integer in [1, +inf), got " + steps);
      }
      if (!(stepSize > 0 && Double.isFinite(stepSize))) {
        throw new IllegalArgumentException(
            "step size must be finite and in (0, +inf), got " + stepSize);
      }
    }

    /**
     * PGD with the step a multiple of eps, {@code stepSize = stepOverEps * eps} (2.5 / steps is the
     * common choice). At {@code eps = 0} the ball is the single clean point, whatever the step, so
     * the step is then {@code stepOverEps} itself, only to keep it valid.
     *
     * @param eps finite, {@code >= 0}
     * @param steps {@code >= 1}
     * @param stepOverEps the step size as a multiple of {@code eps}, finite, {@code > 0}
     * @param randomStart whether to start at a uniform random point of the ball
     * @param seed seed of the random start (ignored without it)
     * @return the PGD spec with {@code stepSize = eps > 0 ? stepOverEps * eps : stepOverEps}
     * @throws IllegalArgumentException if a parameter is outside its range
     */
    public static Pgd relative(
        double eps, int steps, double stepOverEps, boolean randomStart, long seed) {
      checkEps(eps);
      if (!(stepOverEps > 0 && Double.isFinite(stepOverEps))) {
        throw new IllegalArgumentException(
            "step size over eps must be finite and in (0, +inf), got " + stepOverEps);
      }
      return new Pgd(eps, steps, eps > 0 ? stepOverEps * eps : stepOverEps, randomStart, seed);
    }

    /**
     * The name of PGD.
     *
     * @return {@code "pgd"}
     */
    @Override
    public String name() {
      return "pgd";
    }
  }

  private static void checkEps(double eps) {
    if (!(eps >= 0 && Double.isFinite(eps))) {
      throw new IllegalArgumentException("eps must be finite and in [0, +inf), got " + eps);
    }
  }
}
