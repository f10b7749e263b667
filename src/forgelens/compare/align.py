"""Geometric alignment of a reference picture onto a suspect picture.

Method: scale-invariant local features (SIFT, Lowe 2004, with the RootSIFT
normalisation of Arandjelović & Zisserman 2012), Lowe's ratio test (0.8),
then a robust homography by MAGSAC++ (Baráth et al. 2020, OpenCV's USAC) and,
when a similarity explains the matches as well, the simpler similarity.
SIFT is rotation invariant but not mirror invariant, so a horizontally
mirrored reference is tried as well (a vertical flip is a mirror plus a
half turn). The estimate is refined by ECC image alignment (Evangelidis &
Psarakis 2008) and the refinement kept only if it lowers the photometric
residual on the overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Working resolution of the feature stage (longest side, pixels).
FEATURE_SIDE = 1024
#: Minimum RANSAC inliers, and inlier ratio, for two pictures to count as the same scene.
MIN_INLIERS = 15
MIN_INLIER_RATIO = 0.15


@dataclass
class Alignment:
    """H maps reference pixel coordinates (full resolution, after ``flip``) to suspect pixels."""

    found: bool
    H: np.ndarray | None
    flip: str  # "none" or "horizontal"
    inliers: int
    matches: int
    model: str  # "similarity" or "homography"
    refined: bool = False

    def describe(self, ref_shape: tuple[int, int]) -> dict:
        """Scale, rotation, flip and which part of the reference is shown, in words and numbers."""
        if not self.found or self.H is None:
            return {"found": False, "inliers": self.inliers, "matches": self.matches}
        return {"found": True, **transform_summary(self.H, ref_shape, self.flip),
                "inliers": self.inliers, "matches": self.matches, "model": self.model, "refined": self.refined}


def transform_summary(H: np.ndarray, ref_shape: tuple[int, int], flip: str) -> dict:
    """Linear scale, rotation (degrees), perspective strength and the homography itself.

    The rotation is that of the map from the *mirrored* reference when ``flip`` names a mirror (H has the
    mirror folded in): a mirror's own Jacobian, diag(-1, 1), reads as a 180° turn, and "mirror plus 180°"
    would describe a vertical flip, not the horizontal one that was found."""
    h, w = ref_shape
    F = flip_matrix(flip, w)  # its own inverse: H @ F maps mirrored reference pixels to suspect pixels
    A = _jacobian(H @ F, F @ np.array([w / 2, h / 2, 1.0]))
    det = float(np.linalg.det(A))
    scale = float(np.sqrt(abs(det)))
    angle = float(np.degrees(np.arctan2(A[1, 0], A[0, 0])))
    persp = float(np.hypot(H[2, 0], H[2, 1]) * max(h, w) / max(abs(H[2, 2]), 1e-9))
    return {"scale": round(scale, 4), "rotation_deg": round(angle, 2), "flip": flip,
            "perspective": round(persp, 4), "homography": np.round(H, 6).tolist()}


def _jacobian(H: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The 2x2 derivative of the homography at point p = (x, y, 1)."""
    q = H @ p
    x, y = q[0] / q[2], q[1] / q[2]
    return np.array([[H[0, 0] - x * H[2, 0], H[0, 1] - x * H[2, 1]],
                     [H[1, 0] - y * H[2, 0], H[1, 1] - y * H[2, 1]]]) / q[2]


def to_gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def resize_to_side(img: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Shrink so the longest side is at most ``side``; returns the image and the factor applied."""
    h, w = img.shape[:2]
    f = min(1.0, side / max(h, w))
    if f >= 1.0:
        return img, 1.0
    return cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA), f


def sift_features(gray: np.ndarray, n: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Keypoint coordinates (N, 2) float32 and RootSIFT descriptors (N, 128) float32."""
    sift = cv2.SIFT_create(nfeatures=n)
    kps, desc = sift.detectAndCompute(gray, None)
    if desc is None or len(kps) == 0:
        return np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
    desc = desc / (np.abs(desc).sum(axis=1, keepdims=True) + 1e-7)
    return np.float32([k.pt for k in kps]), np.sqrt(desc).astype(np.float32)


def ratio_matches(d1: np.ndarray, d2: np.ndarray, ratio: float = 0.8) -> np.ndarray:
    """Index pairs (i in d1, j in d2) that pass Lowe's ratio test."""
    if len(d1) < 2 or len(d2) < 2:
        return np.zeros((0, 2), np.int64)
    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(d1, d2, k=2)
    pairs = [(m.queryIdx, m.trainIdx) for m, n2 in (p for p in knn if len(p) == 2) if m.distance < ratio * n2.distance]
    return np.array(pairs, np.int64).reshape(-1, 2)


def robust_transform(src: np.ndarray, dst: np.ndarray, thresh: float) -> tuple[np.ndarray | None, int, str]:
    """MAGSAC++ homography from src to dst points; a similarity instead when it keeps ≥ 90 % of the inliers.

    The inlier count returned is that of *distinct, spread-out* support (``support``), and a
    transform that collapses the picture (scale outside 1/20–20) is refused: without both, a
    few features repeated at one spot (ORB finds one corner at several pyramid levels) fit a
    degenerate map with many "inliers" between unrelated pictures.
    """
    if len(src) < 8:
        return None, 0, "none"
    H, _ = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, thresh, maxIters=5000, confidence=0.999)
    n_h = support(src, dst, H, thresh) if H is not None and _plausible(H) else 0
    S, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=thresh,
                                       maxIters=5000, confidence=0.999)
    S = None if S is None else np.vstack([S, [0, 0, 1]])
    n_s = support(src, dst, S, thresh) if S is not None and _plausible(S) else 0
    if n_s and n_s >= 0.9 * n_h:
        return S, n_s, "similarity"
    if not n_h:
        return None, 0, "none"
    return H / H[2, 2], n_h, "homography"


def support(src: np.ndarray, dst: np.ndarray, H: np.ndarray, thresh: float) -> int:
    """Inliers of H counted once per distinct position (2 px cells) on both sides; 0 when they
    all sit in a small patch (spread < 5 % of the matched points' extent on either axis)."""
    p = np.c_[src, np.ones(len(src))] @ H.T
    with np.errstate(divide="ignore", invalid="ignore"):
        proj = p[:, :2] / p[:, 2:3]
    ok = np.hypot(*(proj - dst).T) < thresh
    if ok.sum() < 4:
        return 0
    a, b = np.unique(np.round(src[ok] / 2), axis=0), np.unique(np.round(dst[ok] / 2), axis=0)
    ext = np.ptp(dst, axis=0) + 1e-6
    if np.any(dst[ok].std(axis=0) < 0.05 * ext):
        return 0
    return int(min(len(a), len(b)))


def _plausible(H: np.ndarray) -> bool:
    """Reject degenerate maps, mirrors (handled by the explicit flip) and collapses (scale outside 1/20–20)."""
    if not np.all(np.isfinite(H)) or abs(H[2, 2]) < 1e-12:
        return False
    det = np.linalg.det(H[:2, :2] / H[2, 2])
    return 1 / 400 < det < 400


def flip_matrix(flip: str, width: int) -> np.ndarray:
    """The map from original reference coordinates to mirrored ones."""
    if flip == "horizontal":
        return np.array([[-1.0, 0, width - 1], [0, 1, 0], [0, 0, 1]])
    return np.eye(3)


def estimate(suspect: np.ndarray, reference: np.ndarray) -> Alignment:
    """Find the transform that maps ``reference`` (RGB) onto ``suspect`` (RGB), trying a mirror too.

    Returned H maps *original* (unmirrored) full-resolution reference pixels to suspect pixels:
    the mirror, when found, is folded into H and named in ``flip``.
    """
    gs, fs = resize_to_side(to_gray(suspect), FEATURE_SIDE)
    gr, fr = resize_to_side(to_gray(reference), FEATURE_SIDE)
    ps, ds = sift_features(gs)
    best = Alignment(False, None, "none", 0, 0, "none")
    for flip in ("none", "horizontal"):
        g = gr if flip == "none" else gr[:, ::-1].copy()
        pr, dr = sift_features(g)
        m = ratio_matches(dr, ds)
        thresh = 3.0 * max(1.0, min(gs.shape) / 600)
        H, n_in, model = robust_transform(pr[m[:, 0]], ps[m[:, 1]], thresh) if len(m) else (None, 0, "none")
        if H is not None and n_in > best.inliers:
            S_s = np.diag([1 / fs, 1 / fs, 1.0])
            S_r = np.diag([fr, fr, 1.0])
            H_full = S_s @ H @ S_r @ flip_matrix(flip, reference.shape[1])
            best = Alignment(False, H_full / H_full[2, 2], flip, n_in, len(m), model)
        # a clear unmirrored match needs no mirrored try
        if best.inliers >= 4 * MIN_INLIERS and flip == "none":
            break
    best.found = best.H is not None and best.inliers >= MIN_INLIERS and best.inliers >= MIN_INLIER_RATIO * best.matches
    return best


def refine_ecc(suspect_gray: np.ndarray, ref_gray: np.ndarray, H: np.ndarray, side: int = 768) -> tuple[np.ndarray, bool]:
    """ECC refinement of H (reference → suspect) at a working resolution; kept only if the residual drops."""
    s_small, fs = resize_to_side(suspect_gray, side)
    r_small, fr = resize_to_side(ref_gray, side)
    S_s, S_r = np.diag([fs, fs, 1.0]), np.diag([1 / fr, 1 / fr, 1.0])
    H_small = S_s @ H @ S_r
    H_small = (H_small / H_small[2, 2]).astype(np.float32)
    hs, ws = s_small.shape
    # findTransformECC estimates the map from template (suspect) coordinates into the input image:
    W0 = np.linalg.inv(H_small).astype(np.float32)
    a = cv2.GaussianBlur(s_small, (0, 0), 1.0).astype(np.float32)
    b = cv2.GaussianBlur(r_small, (0, 0), 1.0).astype(np.float32)

    def residual(W: np.ndarray) -> float:
        warped = cv2.warpPerspective(b, W, (ws, hs), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        valid = cv2.warpPerspective(np.ones_like(b), W, (ws, hs), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
        if valid.sum() < 100:
            return np.inf
        x, y = a[valid], warped[valid]
        x, y = (x - x.mean()) / (x.std() + 1e-6), (y - y.mean()) / (y.std() + 1e-6)
        return float(np.median(np.abs(x - y)))

    try:
        _, W = cv2.findTransformECC(a, b, W0.copy(), cv2.MOTION_HOMOGRAPHY,
                                    (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-5), None, 3)
    except cv2.error:
        return H, False
    if not np.all(np.isfinite(W)) or residual(W) >= residual(W0):
        return H, False
    H_new = np.linalg.inv(S_s) @ np.linalg.inv(W.astype(np.float64)) @ np.linalg.inv(S_r)
    H_new /= H_new[2, 2]
    # a refinement that moves any corner by more than 2 % of the picture is not a refinement
    h, w = ref_gray.shape
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], float).T
    p0, p1 = H @ corners, H_new @ corners
    shift = np.abs(p0[:2] / p0[2] - p1[:2] / p1[2]).max()
    if shift > 0.02 * max(suspect_gray.shape):
        return H, False
    return H_new, True
