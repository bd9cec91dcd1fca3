"""Build nnstudio as a program a learner installs: ``python packaging/build.py [--onefile] [--dist DIR]``.

Run it with the Python that has nnstudio's dependencies and PyInstaller installed
(``pip install -e . pyinstaller``). It works offline: everything comes from the installed
packages. It

1. renders the icon for each system from ``resources/icons/nnstudio.svg`` with Qt
   (PNG sizes for Linux, ``nnstudio.ico`` for Windows, ``nnstudio.icns`` for macOS);
2. runs PyInstaller on ``packaging/nnstudio.spec``: a folder ``DIST/nnstudio/`` (the
   default, fastest to start) or a single executable ``DIST/nnstudio`` (``--onefile``);
   on macOS also ``DIST/nnstudio.app``;
3. packs it for the system: on Linux ``DIST/nnstudio-<version>-linux-<arch>.tar.gz``
   holding the program, ``install.sh``/``uninstall.sh`` (per-user install, no root), the
   desktop entry, AppStream metainfo, MIME type and icons; on Windows and macOS a ``.zip``.

It prints what it made, the sizes and the time taken.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "nnstudio.spec"
ICON_SVG = ROOT / "resources" / "icons" / "nnstudio.svg"
#: sizes of the PNG icons installed into the hicolor theme on Linux
LINUX_ICON_SIZES = (48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: (OSType, pixels) of the PNG-based icon types of an .icns file
ICNS_TYPES = (("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512),
              ("ic10", 1024), ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512))
REQUIRED = ("PySide6", "pyqtgraph", "numpy", "qtawesome", "platformdirs", "OpenGL")
_QT_APP = None


class BuildError(Exception):
    pass


def version() -> str:
    text = (ROOT / "nnstudio" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    if not match:
        raise BuildError("no __version__ in nnstudio/__init__.py")
    return match.group(1)


def system_tag() -> str:
    """``linux-x86_64``, ``windows-x86_64``, ``macos-arm64`` …"""
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return f"{system}-{machine}"


def check_environment() -> str:
    """PyInstaller's version; a clear error when it or one of nnstudio's dependencies is missing."""
    try:
        import PyInstaller
    except ImportError:
        raise BuildError(f"PyInstaller is not installed in this Python ({sys.executable}): "
                         "pip install pyinstaller") from None
    missing = []
    for name in REQUIRED:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise BuildError(f"nnstudio's dependencies are missing here: {', '.join(missing)} "
                         "(pip install -e . in this Python)")
    return PyInstaller.__version__


# ---------------------------------------------------------------------------------------- icons
def render_pngs(svg: Path, sizes: set[int]) -> dict[int, bytes]:
    """The SVG drawn at each size, as PNG bytes (Qt's SVG renderer, off-screen)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    global _QT_APP
    _QT_APP = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # painting needs one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise BuildError(f"cannot read the icon {svg}")
    out: dict[int, bytes] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        buf.close()
        out[size] = bytes(data.data())
    return out


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (Windows Vista and later read these)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG images (macOS 10.7 and later read these)."""
    body = b"".join(ostype.encode("ascii") + struct.pack(">I", 8 + len(pngs[px])) + pngs[px]
                    for ostype, px in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def make_icons(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = set(LINUX_ICON_SIZES) | set(ICO_SIZES) | {px for _t, px in ICNS_TYPES}
    pngs = render_pngs(ICON_SVG, wanted)
    for size in LINUX_ICON_SIZES:
        (out_dir / f"nnstudio-{size}.png").write_bytes(pngs[size])
    (out_dir / "nnstudio.ico").write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    (out_dir / "nnstudio.icns").write_bytes(icns_bytes(pngs))
    return out_dir


# ---------------------------------------------------------------------------------------- build
def run_pyinstaller(dist: Path, work: Path, icons: Path, onefile: bool, clean: bool) -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work / "pyinstaller")]
    if clean:
        cmd.append("--clean")
    cmd += [str(SPEC), "--", "--icon-dir", str(icons)] + (["--onefile"] if onefile else [])
    print("build:", " ".join(cmd), flush=True)
    # the build must not pick up a display or a user's Qt settings
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {result.returncode})")


def _tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        info.mtime = int(epoch)
    return info


def linux_archive(dist: Path, icons: Path, onefile: bool) -> Path:
    """``nnstudio-<version>-linux-<arch>.tar.gz``: the program, its desktop files, install.sh."""
    name = f"nnstudio-{version()}-{system_tag()}" + ("-onefile" if onefile else "")
    stage = dist / name
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    if onefile:
        (stage / "nnstudio").mkdir()
        shutil.copy2(dist / "nnstudio", stage / "nnstudio" / "nnstudio")
    else:
        shutil.copytree(dist / "nnstudio", stage / "nnstudio", symlinks=True)
    share = stage / "share"
    res = ROOT / "resources"
    for src, dest in (
        (res / "nnstudio.desktop", share / "applications" / "nnstudio.desktop"),
        (res / "io.github.nnstudio.nnstudio.metainfo.xml",
         share / "metainfo" / "io.github.nnstudio.nnstudio.metainfo.xml"),
        (res / "nnstudio-mime.xml", share / "mime" / "packages" / "nnstudio.xml"),
        (ICON_SVG, share / "icons" / "hicolor" / "scalable" / "apps" / "nnstudio.svg"),
        *((icons / f"nnstudio-{s}.png", share / "icons" / "hicolor" / f"{s}x{s}" / "apps" / "nnstudio.png")
          for s in LINUX_ICON_SIZES),
    ):
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(HERE / "linux" / script, stage / script)
        (stage / script).chmod(0o755)
    shutil.copy2(HERE / "linux" / "README.txt", stage / "README.txt")
    archive = dist / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(stage, arcname=name, filter=_tar_filter)
    shutil.rmtree(stage)
    return archive


def zip_archive(dist: Path, onefile: bool) -> Path:
    """Windows: a .zip of the folder (or .exe). macOS: a .zip of nnstudio.app (made with ditto,
    which keeps the app's symlinks and signatures)."""
    name = f"nnstudio-{version()}-{system_tag()}" + ("-onefile" if onefile else "")
    archive = dist / f"{name}.zip"
    archive.unlink(missing_ok=True)
    if sys.platform == "darwin":
        target = dist / ("nnstudio" if onefile else "nnstudio.app")
        ditto = shutil.which("ditto")
        if ditto:
            subprocess.run([ditto, "-c", "-k", "--keepParent", str(target), str(archive)], check=True)
            return archive
    else:
        target = dist / ("nnstudio.exe" if onefile else "nnstudio")
    if target.is_dir():
        shutil.make_archive(str(archive.with_suffix("")), "zip", root_dir=dist, base_dir=target.name)
    else:
        import zipfile

        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(target, target.name)
    return archive


def size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def build(dist: Path, work: Path, onefile: bool = False, archive: bool = True, clean: bool = False) -> dict[str, object]:
    """Build the program into ``dist``; return what was made."""
    t0 = time.monotonic()
    pyi_version = check_environment()
    dist, work = dist.resolve(), work.resolve()
    dist.mkdir(parents=True, exist_ok=True)
    icons = make_icons(work / "icons")
    run_pyinstaller(dist, work, icons, onefile, clean)
    exe = "nnstudio.exe" if sys.platform == "win32" else "nnstudio"
    bundle = dist / exe if onefile else dist / "nnstudio"  # the file, or the folder
    program = bundle if onefile else bundle / exe
    if not program.exists():
        raise BuildError(f"PyInstaller made no {program}")
    made: dict[str, object] = {"bundle": bundle, "program": program, "pyinstaller": pyi_version}
    if archive:
        if sys.platform.startswith("linux"):
            made["archive"] = linux_archive(dist, icons, onefile)
        else:
            made["archive"] = zip_archive(dist, onefile)
    made["seconds"] = time.monotonic() - t0
    return made


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--onefile", action="store_true", help="one executable instead of a folder (starts slower)")
    ap.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the program goes (default: dist/)")
    ap.add_argument("--work", type=Path, default=ROOT / "build",
                    help="PyInstaller's and the icons' working folder (default: build/)")
    ap.add_argument("--no-archive", action="store_true", help="build the program only")
    ap.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    args = ap.parse_args(argv)
    try:
        made = build(args.dist, args.work, onefile=args.onefile, archive=not args.no_archive, clean=args.clean)
    except BuildError as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 2
    bundle = Path(str(made["bundle"]))
    print(f"build: PyInstaller {made['pyinstaller']}, {made['seconds']:.0f} s")
    print(f"build: {bundle} ({size_mb(bundle):.0f} MB)")
    if sys.platform == "darwin" and (args.dist / "nnstudio.app").exists():
        print(f"build: {args.dist / 'nnstudio.app'}")
    if "archive" in made:
        archive = Path(str(made["archive"]))
        print(f"build: {archive} ({size_mb(archive):.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
