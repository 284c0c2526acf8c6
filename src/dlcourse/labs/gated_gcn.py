"""Residual gated graph convnet (Bresson & Laurent, 2017) for graph classification.

A graph conv layer updates each node from its neighbours. The *gated* version learns, for each edge
``j → i``, a soft gate ``η_ij = σ(ê_ij) / Σ_j' σ(ê_ij')`` that decides how much of neighbour ``j``
flows into ``i``; edges carry their own features ``e``, updated from the gates. Residual connections
(``h ← h + ReLU(BN(…))``) let layers stack. A mean over nodes turns node features into one vector
per graph, which an MLP classifies.

Data: eight graph families drawn with networkx (cycle, star, wheel, lollipop, hypercube, grid,
clique, circular ladder). We train on small graphs and test on larger ones: message passing with
size-free node features and a mean readout carries over to graph sizes it has never seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import torch
from torch import nn

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext

FAMILIES = ("cycle", "star", "wheel", "lollipop", "hypercube", "grid", "clique", "circular_ladder")


@dataclass(frozen=True)
class Config:
    train_per_class: int = 80
    test_per_class: int = 40
    train_nodes: tuple[int, int] = (10, 20)
    test_nodes: tuple[int, int] = (21, 35)  # larger than anything seen in training
    hidden: int = 64
    layers: int = 4
    epochs: int = 40
    batch_size: int = 32
    lr: float = 1e-3


CONFIGS = {
    "quick": Config(train_per_class=40, test_per_class=20, hidden=32, epochs=25),
    "full": Config(),
}


def make_graph(family: str, n: int, rng: torch.Generator) -> nx.Graph:
    """A graph of the family with about ``n`` nodes."""
    if family == "cycle":
        return nx.cycle_graph(n)
    if family == "star":
        return nx.star_graph(n - 1)
    if family == "wheel":
        return nx.wheel_graph(n)
    if family == "lollipop":
        clique = int(torch.randint(3, max(4, n // 2), (1,), generator=rng))
        return nx.lollipop_graph(clique, n - clique)
    if family == "hypercube":
        return nx.hypercube_graph(max(3, round(torch.log2(torch.tensor(float(n))).item())))
    if family == "grid":
        side = int(torch.randint(2, 5, (1,), generator=rng))
        return nx.grid_2d_graph(side, max(2, n // side))
    if family == "clique":
        return nx.complete_graph(n)
    if family == "circular_ladder":
        return nx.circular_ladder_graph(max(3, n // 2))
    raise ValueError(family)


@dataclass
class Graph:
    features: torch.Tensor  # [nodes, 2]
    edges: torch.Tensor  # [2, directed edges] (src, dst)
    label: int


def to_tensors(graph: nx.Graph, label: int) -> Graph:
    graph = nx.convert_node_labels_to_integers(graph)
    n = graph.number_of_nodes()
    degree = torch.tensor([d for _, d in sorted(graph.degree())], dtype=torch.float)
    # Size-free features: log-degree and degree relative to the largest possible (n − 1).
    features = torch.stack([torch.log1p(degree), degree / (n - 1)], dim=1)
    pairs = torch.tensor(list(graph.edges()), dtype=torch.long).T  # [2, E]
    edges = torch.cat([pairs, pairs.flip(0)], dim=1)  # both directions
    return Graph(features, edges, label)


def make_dataset(
    per_class: int, nodes: tuple[int, int], rng: torch.Generator, larger_than: int = 0
) -> list[Graph]:
    """``per_class`` graphs of each family, each with more than ``larger_than`` nodes.

    A family cannot hit every size (a hypercube has 2^k nodes, a grid side × length), so a
    drawn size is only a target; a graph that comes out no larger than ``larger_than`` is drawn
    again. That keeps the test set's promise: every test graph is larger than every training one.
    """
    graphs = []
    for label, family in enumerate(FAMILIES):
        for _ in range(per_class):
            for _attempt in range(100):
                n = int(torch.randint(nodes[0], nodes[1] + 1, (1,), generator=rng))
                graph = make_graph(family, n, rng)
                if graph.number_of_nodes() > larger_than:
                    break
            else:
                raise ValueError(f"no {family} graph with {nodes} nodes is > {larger_than} nodes")
            graphs.append(to_tensors(graph, label))
    return graphs


def collate(graphs: list[Graph], device: torch.device) -> tuple[torch.Tensor, ...]:
    """Many graphs as one big disconnected graph: node offsets shift each graph's edge ids."""
    sizes = torch.tensor([len(g.features) for g in graphs])
    offsets = torch.cumsum(sizes, 0) - sizes
    features = torch.cat([g.features for g in graphs])  # [all nodes, 2]
    edges = torch.cat([g.edges + off for g, off in zip(graphs, offsets, strict=True)], dim=1)
    graph_of_node = torch.repeat_interleave(torch.arange(len(graphs)), sizes)  # [all nodes]
    labels = torch.tensor([g.label for g in graphs])
    return tuple(t.to(device) for t in (features, edges, graph_of_node, labels))


class GatedGCNLayer(nn.Module):
    def __init__(self, d: int, update_edges: bool = True) -> None:
        super().__init__()
        self.A, self.B, self.C, self.D, self.E = (nn.Linear(d, d) for _ in range(5))
        self.bn_h = nn.BatchNorm1d(d)
        # The last layer's edge features would feed nothing: no weights for them (DDP insists
        # that every parameter gets a gradient).
        self.bn_e = nn.BatchNorm1d(d) if update_edges else None

    def forward(
        self, h: torch.Tensor, e: torch.Tensor, edges: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        src, dst = edges  # message j=src → i=dst
        e_hat = self.D(h)[dst] + self.E(h)[src] + self.C(e)  # [edges, d]
        gate = torch.sigmoid(e_hat)
        # Sums over neighbours accumulate in fp32: under autocast the products above are 16-bit
        # (and index_add_ insists that both sides have one dtype).
        sums = h.new_zeros(h.shape, dtype=torch.float32)  # [nodes, d]
        messages = sums.index_add(0, dst, (gate * self.B(h)[src]).float())  # Σ_j σ_ij ⊙ B h_j
        normaliser = sums.index_add(0, dst, gate.float())  # Σ_j σ_ij
        h_new = self.A(h) + messages / (normaliser + 1e-6)  # η_ij = σ_ij / Σ_j σ_ij
        h = h + torch.relu(self.bn_h(h_new))  # residual
        if self.bn_e is not None:
            e = e + torch.relu(self.bn_e(e_hat))
        return h, e


class GatedGCN(nn.Module):
    def __init__(self, cfg: Config, in_features: int = 2, classes: int = len(FAMILIES)) -> None:
        super().__init__()
        self.embed_h = nn.Linear(in_features, cfg.hidden)
        self.embed_e = nn.Parameter(torch.randn(cfg.hidden) * 0.1)  # edges start identical
        self.layers = nn.ModuleList(
            GatedGCNLayer(cfg.hidden, update_edges=k < cfg.layers - 1) for k in range(cfg.layers)
        )
        self.readout = nn.Sequential(
            nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, classes)
        )

    def forward(
        self, features: torch.Tensor, edges: torch.Tensor, graph_of_node: torch.Tensor
    ) -> torch.Tensor:
        h = self.embed_h(features)  # [nodes, d]
        e = self.embed_e.expand(edges.shape[1], -1)  # [edges, d]
        for layer in self.layers:
            h, e = layer(h, e, edges)
        graphs = int(graph_of_node.max()) + 1
        sums = h.new_zeros(graphs, h.shape[1], dtype=torch.float32)  # [graphs, d]
        sums = sums.index_add(0, graph_of_node, h.float())
        counts = torch.bincount(graph_of_node, minlength=graphs).clamp(min=1)[:, None]
        return self.readout(sums / counts)  # mean readout → [graphs, classes]


@torch.no_grad()
def graph_accuracy(
    model: nn.Module, graphs: list[Graph], device: torch.device
) -> tuple[float, torch.Tensor]:
    model.eval()
    features, edges, graph_of_node, labels = collate(graphs, device)
    predicted = model(features, edges, graph_of_node).argmax(1)
    model.train()
    confusion = torch.zeros(len(FAMILIES), len(FAMILIES), dtype=torch.long)
    confusion.index_put_(
        (labels.cpu(), predicted.cpu()), torch.ones(len(labels), dtype=torch.long), accumulate=True
    )
    return float((predicted == labels).float().mean()), confusion


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    rng = ctx.generator()
    train_set = make_dataset(cfg.train_per_class, cfg.train_nodes, rng)
    largest_training_graph = max(len(g.features) for g in train_set)
    test_set = make_dataset(cfg.test_per_class, cfg.test_nodes, rng, largest_training_graph)
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(GatedGCN(cfg))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    # Batches of graph indices, sharded across ranks like any other tensor.
    index_batches = ctx.batches(torch.arange(len(train_set)), batch_size=cfg.batch_size)
    for _epoch in ctx.track(range(cfg.epochs), "gated GCN"):
        for (ids,) in index_batches:
            features, edges, graph_of_node, labels = collate(
                [train_set[i] for i in ids.tolist()], ctx.device
            )
            with ctx.autocast():
                logits = model(features, edges, graph_of_node)  # 1. forward: [graphs, families]
                loss = loss_fn(logits.float(), labels)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
    train_accuracy, _ = graph_accuracy(model, train_set, ctx.device)
    test_accuracy, confusion = graph_accuracy(model, test_set, ctx.device)
    if ctx.is_main:
        fig, axes = subplots(1, 1, size=5)
        axes[0][0].imshow(confusion.numpy(), cmap="Blues")
        axes[0][0].set_xticks(range(len(FAMILIES)), FAMILIES, rotation=90)
        axes[0][0].set_yticks(range(len(FAMILIES)), FAMILIES)
        axes[0][0].set_title("larger test graphs: true (rows) vs predicted")
        ctx.save_figure(fig, "confusion")
    return {
        "train_accuracy": train_accuracy,
        "test_accuracy_larger_graphs": test_accuracy,
        "largest_training_graph": largest_training_graph,  # nodes
        "smallest_test_graph": min(len(g.features) for g in test_set),
        "confusion": confusion.tolist(),
    }
