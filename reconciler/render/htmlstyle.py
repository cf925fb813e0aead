"""The review page's stylesheet, inlined into the page: its Content-Security-Policy allows no
other source. Kept apart so that `html.py` reads as the page's structure alone.
"""

STYLESHEET = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1240px;padding:24px;font:14px/1.45 system-ui,-apple-system,
"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);
padding:1px 4px;border-radius:4px}
.where{color:var(--muted);margin:0 0 8px}
.verdict{font-weight:600;font-size:16px}.verdict.ok{color:#1a7f37}.verdict.refused{color:#cf222e}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid var(--line);padding:4px 10px}
td{text-align:right}thead th{background:var(--soft)}
table code{white-space:pre-wrap}
ul{padding-left:20px}li{margin:4px 0}
ul.detail{color:var(--muted);margin:2px 0 8px}
.destructive{border-left:4px solid #cf222e;padding-left:12px}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:1px 7px;border-radius:10px;
border:1px solid currentColor;text-transform:uppercase;letter-spacing:.02em}
.badge.create,.badge.added{color:#1a7f37}.badge.update,.badge.caption{color:#9a6700}
.badge.replace,.badge.content{color:#bc4c00}.badge.delete,.badge.removed,.badge.error{color:#cf222e}
.badge.warning{color:#9a6700}
.counts{color:var(--muted)}.note{color:var(--muted);font-style:italic}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px;background:var(--bg);
min-width:0}
.card.wide{grid-column:span 2}
.card.content{border-color:#bc4c00}.card.removed{border-color:#cf222e;background:#fff5f5}
.card.added{border-color:#1a7f37}
.name{margin-bottom:6px;overflow-wrap:anywhere}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}
figure{margin:0}
figure img,.noimg{display:block;width:100%;height:170px;object-fit:contain;background:var(--soft);
border-radius:4px}
.noimg{display:flex;align-items:center;justify-content:center;color:var(--muted);
font-style:italic}
figcaption{font-size:11px;color:var(--muted);overflow-wrap:anywhere}
.caption{margin:6px 0 0;overflow-wrap:anywhere}.caption q{font-style:normal}
.was{color:#cf222e;font-weight:600}.now{color:#1a7f37;font-weight:600}
.detail{white-space:pre-wrap}
pre.json{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);
padding:6px 8px;border-radius:4px;margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere;
max-height:480px;overflow:auto}
.schema{margin:8px 0}.schema summary,.changes{font-weight:600;margin:4px 0}
.card.structured{grid-column:span 2;display:grid;grid-template-columns:1fr 1fr;gap:8px}
.card.structured .name{grid-column:1/-1;margin:0}
footer{margin-top:32px;color:var(--muted);font-size:12px}
"""
