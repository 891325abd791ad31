"""Course code (read it, don't edit it): contour plots of a surface with trajectories, and curves.

Static pictures: a surface's contours with trajectories on them, and loss / gradient-norm curves.
The same drawing code serves the lectures (matplotlib inline) and the slider widgets.
"""
from __future__ import annotations

import numpy as np

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def contour(ax, surface, n: int = 240, levels: int = 25, cmap="Greys_r"):
    """Filled contours of ``surface`` on ``ax`` (log-spaced levels where the surface spans decades)."""
    X, Y, Z = surface.grid(n)
    if surface.log_levels:
        floor = 1e-5 * (Z.max() - Z.min())
        z = Z - Z.min() + floor
        lev = np.geomspace(floor * 10, z.max(), levels)
        ax.contourf(X, Y, z, levels=lev, cmap=cmap, locator=None, norm=_log_norm(lev))
        ax.contour(X, Y, z, levels=lev, colors="white", linewidths=0.3, alpha=0.6)
    else:
        ax.contourf(X, Y, Z, levels=levels, cmap=cmap)
        ax.contour(X, Y, Z, levels=levels, colors="white", linewidths=0.3, alpha=0.6)
    m = surface.minimizer
    ax.plot(m[0], m[1], marker="*", color="gold", markersize=14, markeredgecolor="k", zorder=5)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    ax.set_title(surface.title, fontsize=10)
    return ax


def _log_norm(levels):
    from matplotlib.colors import LogNorm

    return LogNorm(vmin=levels[0], vmax=levels[-1])


def path(ax, theta, label=None, color=None, marker=".", **kw):
    """Draw one trajectory θ_0..θ_T (shape (T+1, 2)) with its start and end marked."""
    theta = np.asarray(theta)
    kw.setdefault("markersize", 3)
    kw.setdefault("lw", 1.2)
    (line,) = ax.plot(theta[:, 0], theta[:, 1], marker=marker, label=label, color=color, **kw)
    ax.plot(theta[0, 0], theta[0, 1], "o", color=line.get_color(), markersize=6, mfc="white")
    return line


def trajectories(surface, runs: dict, ax=None, legend=True):
    """Contour plot of ``surface`` with one trajectory per entry of ``runs`` (label -> (T+1, 2))."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    contour(ax, surface)
    for (label, theta), color in zip(runs.items(), COLORS):
        path(ax, theta, label=label, color=color)
    if legend and runs:
        ax.legend(loc="upper right", fontsize=8)
    return ax


def curves(ax, series: dict, steps=None, ylabel="loss", log=True):
    """Line plot of several series (label -> values over steps) on ``ax``."""
    for (label, values), color in zip(series.items(), COLORS):
        x = np.arange(len(values)) if steps is None else steps
        ax.plot(x, values, label=label, color=color, lw=1.3)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax
