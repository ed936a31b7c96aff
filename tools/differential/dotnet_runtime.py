"""Starts the .NET runtime of the dotnet-oracle's virtual environment inside this Python process.

The oracle (`oracle.py`, outside this repository) answers formatting and parsing questions; this module lets the
harness ask the same runtime what the oracle does not answer: the list of cultures and each culture's full data.
Run with the oracle's venv python (see tools/differential/README.md).
"""
import glob
import json
import os


def start():
    """Loads CoreCLR through pythonnet (the `dotnetcore2` package ships the runtime)."""
    import dotnetcore2
    from clr_loader import get_coreclr
    from pythonnet import set_runtime

    if "CLR_ICU_VERSION_OVERRIDE" not in os.environ:
        # .NET Core 3.1 only looks for ICU releases it knows by name; name the installed one.
        found = glob.glob("/usr/lib/*/libicuuc.so.*") + glob.glob("/usr/lib/libicuuc.so.*")
        majors = {os.path.basename(p).split(".so.")[1].split(".")[0] for p in found}
        if majors:
            os.environ["CLR_ICU_VERSION_OVERRIDE"] = max(majors, key=int)
    root = os.path.join(os.path.dirname(dotnetcore2.__file__), "bin")
    version = max(os.listdir(os.path.join(root, "shared", "Microsoft.NETCore.App")))
    config = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"flowexpr-differential-{version}.runtimeconfig.json")
    with open(config, "w") as f:
        json.dump({"runtimeOptions": {"tfm": "netcoreapp3.1",
                                      "framework": {"name": "Microsoft.NETCore.App", "version": version}}}, f)
    set_runtime(get_coreclr(runtime_config=config, dotnet_root=root))
    import clr  # noqa: F401  (loads the runtime)
