"""The lab catalogue as plain data.

The CLI's ``dlcourse lab list`` and the website read this module; it imports nothing heavy
(no torch, no matplotlib), so both work on a machine without the ``labs`` extra.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How to install what the labs need, CPU build first: a plain ``pip install torch`` (or the
#: extra alone) pulls a CUDA build of several GB.
INSTALL_LABS = (
    "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu",
    "pip install 'dlcourse[labs]'",
)


def missing_labs_extra(module: str | None) -> str:
    """The one message for a lab command run without the ``labs`` extra."""
    what = f"'{module}' is not installed" if module else "a module of the labs extra is missing"
    first, then = INSTALL_LABS
    return (
        f"{what}: the labs need the 'labs' extra. Install the CPU build of PyTorch first, "
        f"then the extra: {first} && {then}"
    )


@dataclass(frozen=True)
class LabInfo:
    """One practical: how it is called, what it teaches and where its code lives."""

    name: str  # CLI name, e.g. "spiral"
    title: str
    lesson: str  # one sentence: what a student should take away
    data: str  # default data, always offline
    module: str  # dotted path of the lab module
    week: int | None = None  # 2020 course week the notebook belonged to (None: repository extra)
    notebook_2020: str | None = None  # the 2020 notebook this lab replaces

    @property
    def module_name(self) -> str:
        return self.module.rsplit(".", 1)[-1]


def _lab(name: str, title: str, lesson: str, data: str, **kwargs: object) -> LabInfo:
    module = "dlcourse.labs." + name.replace("-", "_")
    return LabInfo(name=name, title=title, lesson=lesson, data=data, module=module, **kwargs)  # type: ignore[arg-type]


# In course order: by the week of the 2020 course, the repository's extras last.
LABS: tuple[LabInfo, ...] = (
    _lab(
        "logic-neurons",
        "Logic with neurons",
        "Hand-set neurons compute AND/OR/NOT; XOR needs a hidden layer; adders are small nets.",
        "truth tables",
        week=1,
        notebook_2020="00-logic_neuron_programming",
    ),
    _lab(
        "tensors",
        "Tensor basics",
        "Tensors, dtypes, the NumPy bridge, broadcasting and devices.",
        "generated",
        week=1,
        notebook_2020="01-tensor_tutorial",
    ),
    _lab(
        "space-stretching",
        "Space stretching",
        "A linear map is rotate-scale-rotate (SVD); a non-linear layer folds the plane.",
        "Gaussian cloud",
        week=1,
        notebook_2020="02-space_stretching",
    ),
    _lab(
        "autograd",
        "Autograd",
        "Computation graphs, grad_fn, no_grad and a custom autograd.Function checked by gradcheck.",
        "small tensors",
        week=2,
        notebook_2020="03-autograd_tutorial",
    ),
    _lab(
        "spiral",
        "Spiral classification",
        "A linear model cannot separate a 3-class spiral (~50%); a 2-layer ReLU net can (~95%+).",
        "generated spiral",
        week=2,
        notebook_2020="04-spiral_classification",
    ),
    _lab(
        "regression",
        "Regression and uncertainty",
        "Linear vs non-linear fits; an ensemble's spread grows away from the data.",
        "generated 1-D data",
        week=2,
        notebook_2020="05-regression",
    ),
    _lab(
        "convnet",
        "Convolutional nets and inductive bias",
        "At equal parameter count a CNN beats an FC net on images; permute the pixels and its edge"
        " disappears, while the FC net does not notice.",
        "scikit-learn digits (bundled)",
        week=3,
        notebook_2020="06-convnet",
    ),
    _lab(
        "listening-to-kernels",
        "Listening to kernels",
        "A 1-D convolution is a matched filter; spectrograms show time and frequency together.",
        "synthesised tones and chirps",
        week=3,
        notebook_2020="07-listening_to_kernels",
    ),
    _lab(
        "spoken-digits",
        "Spoken digits: a ConvNet that listens",
        "A small CNN over log-mel spectrograms recognises spoken digits from voices it never"
        " heard in training; a max over time makes it indifferent to where the word starts.",
        "speech synthesised offline by espeak-ng (needs the espeak-ng package)",
        week=3,
    ),
    _lab(
        "sequence-classification",
        "Sequence classification: RNN vs LSTM",
        "On the temporal-order task a vanilla RNN stays near chance while an LSTM solves it.",
        "generated temporal-order sequences",
        week=4,
        notebook_2020="08-seq_classification",
    ),
    _lab(
        "echo",
        "Echo: many-to-many RNN",
        "A recurrent net repeats its input a few steps later, trained with truncated BPTT.",
        "generated bit streams",
        week=4,
        notebook_2020="09-echo_data",
    ),
    _lab(
        "autoencoder",
        "Autoencoders",
        "An under-complete AE compresses; a denoising AE removes noise better than doing nothing.",
        "scikit-learn digits (optional: MNIST)",
        week=7,
        notebook_2020="10-autoencoder",
    ),
    _lab(
        "energy-based",
        "Energy-based models: contrastive training",
        "An energy pushed down on the data and up on the model's own Langevin samples is low on"
        " the data manifold and high elsewhere; chains started from noise roll onto the data.",
        "generated 2-D ellipse",
        week=7,
    ),
    _lab(
        "metric-learning",
        "Metric learning: Siamese nets, contrastive and triplet losses",
        "Trained on which pairs are alike, an encoder maps digits into a plane where neighbours"
        " share their class (recall@1 far above a random encoder's), with no classifier at all.",
        "scikit-learn digits (optional: MNIST)",
        week=8,
    ),
    _lab(
        "vae",
        "Variational autoencoder",
        "The ELBO, the reparameterisation trick, sampling and interpolating in latent space.",
        "scikit-learn digits (optional: MNIST)",
        week=8,
        notebook_2020="11-VAE",
    ),
    _lab(
        "sparse-coding",
        "Sparse coding: ISTA and LISTA",
        "ISTA finds sparse codes by many small shrinkage steps; LISTA, the same steps unrolled"
        " into a few layers and trained, reaches ISTA's error in far fewer iterations.",
        "scikit-learn digits (optional: MNIST)",
        week=9,
    ),
    _lab(
        "gan",
        "Generative adversarial networks",
        "A generator trained only through a discriminator's verdicts covers all eight modes of a"
        " 2-D mixture and draws digits that a classifier trained on real ones recognises.",
        "generated 2-D mixture; scikit-learn digits (optional: MNIST)",
        week=9,
    ),
    _lab(
        "self-supervised",
        "Self-supervised learning: SimCLR",
        "Pre-trained on unlabelled digits to match two distortions of each image, an encoder's"
        " features let a linear probe with ten labels per class beat a random encoder by far.",
        "scikit-learn digits (optional: MNIST)",
        week=10,
    ),
    _lab(
        "truck-backer-upper",
        "Truck backer-upper",
        "Learn an emulator of the truck's kinematics, then train a controller through it.",
        "kinematic simulator",
        week=10,
        notebook_2020="14-truck_backer-upper",
    ),
    _lab(
        "learning-to-drive",
        "Learning to drive under uncertainty",
        "A policy trained through a learned world model exploits the model where the data never"
        " went and crashes; penalising the model's dropout uncertainty keeps it where the model"
        " knows, and on the road.",
        "kinematic car simulator and logged careful drivers",
        week=11,
    ),
    _lab(
        "word-embeddings",
        "Word embeddings: skip-gram with negative sampling",
        "Words that keep the same company get nearby vectors: word2vec trained on the King James"
        " Bible answers analogies such as father : mother :: son : daughter, random vectors none.",
        "the King James Bible (Debian's bible-kjv); analogy and similarity sets in gensim's wheel",
        week=12,
    ),
    _lab(
        "transformer",
        "Transformer encoder",
        "Self-attention written out, an encoder from scratch, text classification.",
        "generated sentences with negation",
        week=12,
        notebook_2020="15-transformer",
    ),
    _lab(
        "gated-gcn",
        "Residual gated graph convnet",
        "Edge gates and residuals for graph classification that generalises to larger graphs.",
        "generated graph families (networkx)",
        week=13,
        notebook_2020="16-gated_GCN",
    ),
    _lab(
        "regularisation",
        "Regularisation",
        "L1/L2, dropout and early stopping tame a text classifier that over-fits.",
        "generated bag-of-words documents",
        week=14,
        notebook_2020="12-regularization",
    ),
    _lab(
        "bayesian-nn",
        "Bayesian NN with MC dropout",
        "Dropout kept on at test time gives a predictive variance that grows away from the data.",
        "generated 1-D data",
        week=14,
        notebook_2020="13-bayesian_nn",
    ),
    _lab(
        "speech-recognition",
        "Speech recognition: CTC and beam search",
        "A convolutional net trained with CTC, with no alignment given, transcribes phrases from"
        " voices it never heard; beam search over a lexicon turns near-misses into words.",
        "phrases synthesised offline by espeak-ng (needs the espeak-ng package)",
        week=14,
    ),
    _lab(
        "projections",
        "Projections in high dimension",
        "Random directions are nearly orthogonal in high dimension; norms concentrate.",
        "generated",
    ),
    _lab(
        "optimisers",
        "Optimisers by hand",
        "SGD, momentum, RMSProp and Adam written out match torch.optim step for step.",
        "generated least-squares problem",
    ),
)

_BY_NAME = {lab.name: lab for lab in LABS}


def lab_names() -> list[str]:
    return [lab.name for lab in LABS]


def get_lab(name: str) -> LabInfo:
    """Look a lab up by CLI name (``spiral``) or module name (``gated_gcn``)."""
    key = name.strip().lower().replace("_", "-")
    try:
        return _BY_NAME[key]
    except KeyError:
        known = ", ".join(lab_names())
        raise KeyError(f"unknown lab {name!r}; known labs: {known}") from None
