"""The risk model: LightGBM gradient-boosted trees on ``features.FEATURES``, saved as one versioned JSON file.

The file holds the format and its version, the feature list the model expects (in order), a summary of the
training data (years, households, event rate, where the data came from) and the booster itself as LightGBM's
text. ``load`` refuses a file whose features are not the code's — a model trained on another feature list
would read every column in the wrong place and still produce numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .features import FEATURES

FORMAT = "jingzhun-warning-model"
VERSION = 1

# Small, shallow trees: enough for the interactions that matter (income × illness, income × village falls), and
# SHAP contributions cost trees × leaves × depth² a row, so depth 5 gives the reasons ~2× faster than depth 6
# with 31 leaves at the same validation AUC (chosen on a validation year, never the test year: bench README).
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "max_depth": 5,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
}
ROUNDS = 150


class ModelMismatch(ValueError):
    """The model file does not fit this version of the code (format, version or feature list)."""


@dataclass
class WarningModel:
    booster: object  # lightgbm.Booster
    features: tuple[str, ...] = FEATURES
    training: dict = field(default_factory=dict)
    version: int = VERSION
    created: str = ""
    threads: int = 0  # LightGBM's threads when predicting (0: its default)

    @property
    def label(self) -> str:
        """A short name for the scores table: format version and creation time."""
        return f"v{self.version}-{self.created}"

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.booster.predict(x, num_threads=self.threads)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-row SHAP contributions (log-odds), one column per feature (the bias column dropped)."""
        return self.booster.predict(x, pred_contrib=True, num_threads=self.threads)[:, : len(self.features)]

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "format": FORMAT,
            "version": self.version,
            "created": self.created,
            "features": list(self.features),
            "training": self.training,
            "booster": self.booster.model_to_string(),
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False))
        tmp.replace(path)
        return path


def matrix(table) -> np.ndarray:
    """The feature columns of an Arrow table or record batch as a float64 matrix (NULL → NaN), in ``FEATURES``
    order."""
    return np.column_stack(
        [table.column(name).to_numpy(zero_copy_only=False).astype(np.float64) for name in FEATURES]
    )


def train(
    x: np.ndarray, y: np.ndarray, *, training: dict, seed: int = 0, threads: int = 1, rounds: int = ROUNDS
) -> WarningModel:
    """Fit the model on feature rows ``x`` (``matrix``) and events ``y``; ``training`` describes the data.
    One thread by default: on a shared machine OpenMP's spinning threads made training 6× slower with two."""
    import lightgbm as lgb

    params = {**PARAMS, "seed": seed, "num_threads": threads, "deterministic": True}
    data = lgb.Dataset(x, label=y.astype(np.float64), feature_name=list(FEATURES), free_raw_data=True)
    booster = lgb.train(params, data, num_boost_round=rounds)
    summary = {
        **training,
        "rows": len(y),
        "event_rate": round(float(np.mean(y)), 5),
        "params": params,
        "rounds": rounds,
        "lightgbm": lgb.__version__,
    }
    created = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return WarningModel(booster=booster, training=summary, created=created)


def load(path: Path, *, threads: int = 0) -> WarningModel:
    """The model in ``path``, refused (``ModelMismatch``) unless it is this format and version and expects
    exactly ``FEATURES`` in that order."""
    import lightgbm as lgb

    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelMismatch(f"预警模型文件 {path} 无法读取：{exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelMismatch(f"{path} 不是预警模型文件（format 应为 {FORMAT}）")
    if document.get("version") != VERSION:
        raise ModelMismatch(
            f"预警模型文件 {path} 的版本为 {document.get('version')}，本程序需要版本 {VERSION}：请重新训练模型"
        )
    expected = list(FEATURES)
    features = document.get("features")
    if features != expected:
        features = list(features or [])
        missing = [f for f in expected if f not in features]
        extra = [f for f in features if f not in expected]
        detail = "；".join(
            part
            for part in (
                f"缺少 {', '.join(missing)}" if missing else "",
                f"多出 {', '.join(extra)}" if extra else "",
                "顺序不同" if not missing and not extra else "",
            )
            if part
        )
        raise ModelMismatch(
            f"预警模型文件 {path} 的特征与本程序不一致（{detail}），拒绝用它评分：请用本版本的特征重新训练模型"
        )
    booster = lgb.Booster(model_str=document["booster"])
    if booster.feature_name() != expected:
        raise ModelMismatch(f"预警模型文件 {path} 的模型本身与其特征表不一致，拒绝用它评分")
    return WarningModel(
        booster=booster,
        features=tuple(features),
        training=document.get("training", {}),
        version=document["version"],
        created=document.get("created", ""),
        threads=threads,
    )
