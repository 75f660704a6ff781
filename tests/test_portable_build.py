"""The installed llama.cpp is the portable build: no AMX and no AVX-512 code that would crash
(AMX in VMs that do not allow tile state) or not run (older CPUs) on another machine."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

llama_cpp = pytest.importorskip("llama_cpp")


def cpu_libraries() -> list[Path]:
    root = Path(llama_cpp.__file__).resolve().parent
    return sorted(p for p in root.rglob("libggml-cpu*.so*") if p.is_file())


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_the_cpu_backend_holds_no_amx_or_avx512_instructions() -> None:
    libraries = cpu_libraries()
    assert libraries, "llama_cpp ships no libggml-cpu library"
    for lib in libraries:
        code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)],
                              capture_output=True, text=True, check=True).stdout
        assert len(code) > 100_000, f"objdump printed too little for {lib}"
        amx = re.findall(r"\b(?:ldtilecfg|tileloadd|tdpbssd|tdpbf16ps|tilerelease)\b", code)
        assert not amx, f"{lib.name} has AMX instructions ({sorted(set(amx))}): rebuild with ./dev"
        avx512 = re.findall(r"%zmm\d+|%k[1-7]\b", code)
        assert not avx512, f"{lib.name} uses AVX-512 registers ({len(avx512)} places): not portable"
        assert re.search(r"%ymm\d+", code), f"{lib.name} has no AVX2 code: the baseline build is wrong"
