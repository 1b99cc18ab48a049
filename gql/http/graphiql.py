"""GraphiQL without the internet: its page, with every asset served by partnergraph from gql/static/graphiql.

The assets are the published npm files, copied unchanged (their licences are in LICENSES.md there);
ASSETS holds each one's SHA-384, which the page gives the browser as Subresource Integrity.
"""
from functools import cache
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static" / "graphiql"
PAGE = Path(__file__).resolve().parent / "graphiql.html"

# file -> (npm package@version, path in the package, SRI hash of the file)
ASSETS = {
    "graphiql.min.js": ("graphiql@3.8.3", "graphiql.min.js",
                        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    "graphiql.min.css": ("graphiql@3.8.3", "graphiql.min.css",
                         "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
    "react.production.min.js": ("react@18.2.0", "umd/react.production.min.js",
                                "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    "react-dom.production.min.js": ("react-dom@18.2.0", "umd/react-dom.production.min.js",
                                    "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    "plugin-explorer.umd.js": ("@graphiql/plugin-explorer@1.0.2", "dist/index.umd.js",
                               "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"),
    "plugin-explorer.css": ("@graphiql/plugin-explorer@1.0.2", "dist/style.css",
                            "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"),
}


@cache
def graphiql_page() -> str:
    page = PAGE.read_text(encoding="utf-8")
    for name, (_, _, integrity) in ASSETS.items():
        page = page.replace("{{" + name + "}}", integrity)
    return page
