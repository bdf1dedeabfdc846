"""Regenerate the tiny test notebooks of tests/test_batch.py (run from anywhere).

They take the report notebooks' parameters (region, school_id, prepared, output_dir) and
behave as the prepared file (a JSON copy of the test region's control.json) tells them:
sleep, raise, wait for another report, kill the run or their worker.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell

COMMON = r'''import json, os, signal, time
from pathlib import Path

# Every report must start from a clean interpreter: fail if an earlier report's state leaked.
if getattr(json, "_jos_report", None):
    raise RuntimeError(f"state leaked from report {json._jos_report}")
json._jos_report = KEY
out = Path(output_dir)
(out / "figures").mkdir(parents=True, exist_ok=True)
# The test "prepared" file is a JSON copy of the test region's data/control.json.
control = json.loads(Path(prepared).read_text(encoding="utf-8")) if prepared else {}
behaviour = control.get(KEY, {})
if behaviour.get("sleep"):
    time.sleep(float(behaviour["sleep"]))
if behaviour.get("wait_for") and control.get("run_pgid"):
    # Wait until another report has been written (file, expected text), for at most 300 s.
    path, text = behaviour["wait_for"]
    for _ in range(3000):
        if Path(path).is_file() and text in Path(path).read_text(encoding="utf-8"):
            break
        time.sleep(0.1)
if behaviour.get("kill_run") and control.get("run_pgid"):
    # Simulate the whole run being killed: SIGKILL the batch's process group
    # (the runner, its dask workers and this kernel).
    os.killpg(int(control["run_pgid"]), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
if behaviour.get("kill_worker_once") and not Path(behaviour["kill_worker_once"]).exists():
    # Simulate a dying dask worker: SIGKILL the worker process that runs this report (the
    # kernel's parent), once; the marker file makes the retried task run normally.
    worker = int(os.environ.get("JPY_PARENT_PID") or os.getppid())  # process that started us
    Path(behaviour["kill_worker_once"]).write_text(str(worker), encoding="utf-8")
    os.kill(worker, signal.SIGKILL)
    time.sleep(60)
if behaviour.get("raise"):
    raise ValueError(f"test notebook asked to fail for {KEY}")
'''

WRITE = r'''# A 1x1 PNG figure, written like the library's figure helpers would, and shown inline.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db0"
    "0000000049454e44ae426082"
)
(out / "figures" / "figuur.png").write_bytes(PNG)
from IPython.display import Image, display
display(Image(data=PNG))
value = float(behaviour.get("value", 1.0))
(out / "results.csv").write_text(f"{COLS}\n{ROW}\n", encoding="utf-8")
from ipykernel.kernelapp import IPKernelApp  # how this kernel talks to papermill
transport = IPKernelApp.instance().transport
(out / "results.json").write_text(json.dumps({"region": region, "value": value, "transport": transport}),
                                  encoding="utf-8")
print("klaar", KEY)
'''

HERE = Path(__file__).resolve().parent


def make(path, params, key, cols, row, title):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "josanalysis", "display_name": "Python (josanalysis)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    p = new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [
        new_markdown_cell(f"# {title}\n\nTest notebook for `josanalysis.runner.batch` (tests only)."),
        p,
        new_code_cell(f"KEY = {key}\n" + COMMON),
        new_code_cell(WRITE.replace("{COLS}", cols).replace("{ROW}", row)),
    ]
    nbformat.write(nb, str(path))

base = ('region = "testregio"  # region id\n'
        'prepared = ""  # path of the prepared region-data file (empty: none)\n'
        'output_dir = "."  # folder of this report (figures/, results.csv, results.json)\n')
make(HERE / "school_report.ipynb", 'school_id = "T01"  # school id\n' + base,
     "school_id", "school_id,indicator,estimate", "{school_id},verzuim,{value}", "Test schoolrapport")
make(HERE / "region_report.ipynb", base, '"region"', "indicator,estimate", "regio,{value}", "Test regiorapport")
make(HERE / "budget_report.ipynb", base, '"budget"', "indicator,estimate", "budget,{value}", "Test budgetrapport")
