"""How assaults resolve: the attrition law, the success curve and the loss noise."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario import limits
from sim.scenario.distributions import NonNegative, Positive, limit
from sim.scenario.observations import Frozen


class Law(Frozen):
    """The Lanchester-family attrition law: dA/dt = -a A^p D^q, dD/dt = -b D^p A^q."""

    type: Literal["square", "linear", "logarithmic", "general"] = Field(
        "square",
        description="square (p=0, q=1), linear (p=1, q=1), logarithmic (p=1, q=0), or general with "
        "own_exponent p and enemy_exponent q.",
    )
    own_exponent: float | None = Field(
        None,
        ge=0,
        le=limits.LAW_EXPONENT,
        description="p, the exponent of the side's own strength; required for, and only allowed with, "
        "the general law (0-3).",
    )
    enemy_exponent: float | None = Field(
        None,
        ge=0,
        le=limits.LAW_EXPONENT,
        description="q, the exponent of the enemy's strength; required for, and only allowed with, "
        "the general law (0-3).",
    )

    @model_validator(mode="after")
    def _exponents(self) -> Law:
        given = self.own_exponent is not None or self.enemy_exponent is not None
        if self.type == "general" and (self.own_exponent is None or self.enemy_exponent is None):
            raise ValueError("the general law needs own_exponent and enemy_exponent")
        if self.type != "general" and given:
            raise ValueError(f"exponents are fixed by the {self.type} law; use type: general to set them")
        return self

    def exponents(self) -> tuple[float, float]:
        """Return (p, q): the exponent on the side's own strength and on the enemy's."""
        fixed = {"square": (0.0, 1.0), "linear": (1.0, 1.0), "logarithmic": (1.0, 0.0)}
        if self.type == "general":
            assert self.own_exponent is not None and self.enemy_exponent is not None
            return (self.own_exponent, self.enemy_exponent)
        return fixed[self.type]


class SuccessCurve(Frozen):
    """P(assault succeeds) = logistic(intercept + slope ln r + posture offset).

    The defaults are the maximum-likelihood fit to 636 battles of CDB90 (``sim.grounding.cdb90``,
    docs/model.md): attacker wins against ln(force ratio), hasty defence as the baseline.
    """

    intercept: float = Field(
        0.173,
        ge=-limits.LOGIT,
        le=limits.LOGIT,
        description="Logit of success at a force ratio of 1 (CDB90 fit; -50 to 50).",
    )
    slope: float = Field(
        0.358,
        ge=-limits.LOGIT,
        le=limits.LOGIT,
        description="Change of the logit per unit of ln(force ratio) (CDB90 fit; -50 to 50).",
    )
    fortified_offset: float = Field(
        -0.072,
        ge=-limits.LOGIT,
        le=limits.LOGIT,
        description="Added to the logit against a fortified defence (CDB90 fit; -50 to 50).",
    )


class Engagement(Frozen):
    """How assaults resolve."""

    law: Law = Field(Law(), description="The Lanchester-family attrition law (default: square).")
    kill_rate: Annotated[NonNegative, limit(limits.KILL_RATE)] = Field(
        description="Attrition coefficient per day at quality 1 and full supply; its unit depends on the "
        "law (at most 1,000)."
    )
    dispersion: Annotated[Positive, limit(limits.DISPERSION)] | None = Field(
        2.0,
        description="Gamma shape k of loss noise (gamma-Poisson, variance m + m^2/k; large k tends to "
        "Poisson; at most 1,000,000); null turns loss noise off.",
    )
    noise: bool = Field(
        True,
        description="false: no randomness in timing, losses or outcomes (deterministic mode, for tests).",
    )
    success: SuccessCurve = Field(
        SuccessCurve(),
        description="Probability that an assault succeeds, against the force ratio (default: the CDB90 fit).",
    )
    fortified_at: float = Field(
        0.5,
        ge=0,
        le=limits.FORTIFICATION,
        description="Fortification bonus from which a defence counts as fortified (at most 10).",
    )
    posture_protection: Annotated[NonNegative, limit(limits.LAW_EXPONENT)] = Field(
        0.0,
        description="The holder's losses in an assault are multiplied by (1 + fortification)^-this: "
        "prepared ground protects as well as strengthens (Dupuy's posture); 0: no protection (at most 3).",
    )
