"""Validates many PDFs in one pyHanko process (starting pyHanko costs ~1 s,
validating one file a few milliseconds), for the differential test of cip's
change analysis.

usage: pyhanko_batch.py TRUST.pem FILE...
prints one JSON object per file: {"file", "error"} or {"file", "signatures":
[{"intact", "valid", "trusted", "coverage", "modification_level",
"docmdp_ok", "bottom_line", "summary"}]}
"""

import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def judge(path, trust):
    with open(path, "rb") as f:
        reader = PdfFileReader(f, strict=False)
        sigs = []
        for emb in reader.embedded_signatures:
            vc = ValidationContext(trust_roots=[trust], allow_fetching=False)
            st = validate_pdf_signature(emb, vc)
            sigs.append(
                {
                    "intact": bool(st.intact),
                    "valid": bool(st.valid),
                    "trusted": bool(st.trusted),
                    "coverage": st.coverage.name if st.coverage else None,
                    "modification_level": st.modification_level.name
                    if st.modification_level is not None
                    else None,
                    "docmdp_ok": st.docmdp_ok,
                    "bottom_line": bool(st.bottom_line),
                    "summary": st.summary(),
                }
            )
        return sigs


def main():
    trust = load_cert_from_pemder(sys.argv[1])
    for path in sys.argv[2:]:
        try:
            out = {"file": path, "signatures": judge(path, trust)}
        except Exception as e:  # any failure to read is a verdict too
            out = {"file": path, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
