/* report_html: the matrix as one self-contained page.
 *
 * Two channels carry text from the run, both closed to markup: HTML text
 * and attributes go through html_text (every &, <, >, ", ' an entity, bad
 * UTF-8 and controls made visible by report_clean_text), and the cells'
 * data for the detail panel is a JSON island whose <, > and & are \u
 * escapes, so no string can end the <script> element. The script only
 * ever assigns textContent. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "report_internal.h"

static void html_text(FILE *out, const char *s) {
  char *c = report_clean_text(s != NULL ? s : "", false);
  for (const char *p = c != NULL ? c : ""; *p != '\0'; p++) {
    switch (*p) {
      case '&': fputs("&amp;", out); break;
      case '<': fputs("&lt;", out); break;
      case '>': fputs("&gt;", out); break;
      case '"': fputs("&quot;", out); break;
      case '\'': fputs("&#39;", out); break;
      default: fputc(*p, out);
    }
  }
  free(c);
}

/* "pin" of "pin::two-certs" (the whole id when it has no namespace). */
static size_t namespace_len(const char *id) {
  const char *sep = strstr(id, "::");
  return sep != NULL ? (size_t)(sep - id) : strlen(id);
}

static const char *verdict_class(enum report_verdict v) {
  static const char *const names[REPORT_VERDICT_COUNT] = {"match",   "mismatch", "error",
                                                          "skipped", "known",    "flaky"};
  return (unsigned)v < REPORT_VERDICT_COUNT ? names[v] : "error";
}

/* The detail panel's data: rows and cells, cells pointing at their row. */
static json_t *island(const struct report *r) {
  json_t *rows = json_array(), *cells = json_array();
  for (size_t i = 0; i < r->n_rows; i++) {
    const struct report_row *row = &r->rows[i];
    json_array_append_new(
        rows,
        json_pack("{s:o, s:o, s:o, s:o, s:f}", "id", report_json_text(row->id), "relay",
                  report_json_text(row->relay), "description", report_json_text(row->description),
                  "spec", report_json_text(row->spec), "ms", row->ms));
  }
  for (size_t k = 0; k < r->n_cells; k++) {
    const struct report_cell *c = &r->cells[k];
    json_array_append_new(
        cells,
        json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:o}", "scenario",
                  report_json_text(c->scenario), "relay", report_json_text(c->relay), "column",
                  report_json_text(c->column), "profile",
                  report_json_text(c->profile ? c->profile : c->column), "verdict",
                  report_verdict_name(c->verdict), "expected", report_json_text(c->expected),
                  "actual", report_json_text(c->actual), "detail", report_json_text(c->detail),
                  "deviation", report_json_text(c->deviation), "stale", report_json_text(c->stale),
                  "ms", c->ms, "command", report_json_text(c->command), "transcript",
                  report_json_text(c->transcript)));
  }
  return json_pack("{s:o, s:o}", "rows", rows, "cells", cells);
}

/* JSON inside <script>: <, > and & as \u escapes (they occur only inside
   strings, where the escape means the same character). */
static bool write_island(FILE *out, const struct report *r) {
  json_t *doc = island(r);
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  if (text == NULL) return false;
  fputs("<script type=\"application/json\" id=\"data\">", out);
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '<')
      fputs("\\u003c", out);
    else if (*p == '>')
      fputs("\\u003e", out);
    else if (*p == '&')
      fputs("\\u0026", out);
    else
      fputc(*p, out);
  }
  fputs("</script>\n", out);
  free(text);
  return true;
}

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafafa}"
    "header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd}"
    "h1{font-size:20px;margin:0 0 6px}"
    "#summary.ok{color:#116329}#summary.fail{color:#a40e26;font-weight:600}"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:6px 0 0}"
    "dl.meta dt{color:#57606a}dl.meta dd{margin:0}"
    "#filters{position:sticky;top:0;background:#f0f3f6;padding:8px 20px;display:flex;"
    "flex-wrap:wrap;gap:10px;align-items:center;border-bottom:1px solid #ddd;z-index:2}"
    "#q{min-width:260px}"
    "table{border-collapse:collapse;margin:10px 20px;font-size:12.5px}"
    "th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}"
    "thead th{position:sticky;top:44px;background:#eaeef2}"
    "tr.ns th{background:#dde4ea;font-size:13px}"
    "th[scope=row]{font-family:ui-monospace,monospace;white-space:nowrap}"
    "td.v{cursor:pointer;max-width:240px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}"
    "td.v:focus,td.v:hover{outline:2px solid #0969da}"
    ".v-match{background:#dafbe1}.v-mismatch{background:#ffd8d3}.v-error{background:#ffb3a6}"
    ".v-skipped{background:#eaeef2;color:#57606a}.v-known{background:#ddf4ff}"
    ".v-flaky{background:#fbefff}"
    "#detail{position:fixed;right:0;top:0;bottom:0;width:min(640px,60vw);overflow:auto;"
    "background:#fff;border-left:2px solid #0969da;padding:12px 16px;box-shadow:-4px 0 12px #0002;"
    "z-index:3}"
    "#detail h2{font-size:16px;margin:0 30px 8px 0;font-family:ui-monospace,monospace}"
    "#detail dl{display:grid;grid-template-columns:max-content auto;gap:4px 10px}"
    "#detail dt{color:#57606a}#detail dd{margin:0;white-space:pre-wrap;word-break:break-word}"
    "#detail pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;font-size:12px}"
    "#close{position:absolute;right:12px;top:10px}"
    "#js-errors{background:#a40e26;color:#fff;padding:6px 20px}";

/* Filters, the detail panel (textContent only) and #cell=N deep links. */
static const char script[] =
    "(function(){\n"
    "'use strict';\n"
    "var errs=document.getElementById('js-errors');\n"
    "window.addEventListener('error',function(e){errs.hidden=false;"
    "errs.textContent+=(errs.textContent?'\\n':'')+'script error: '+e.message;});\n"
    "var data=JSON.parse(document.getElementById('data').textContent);\n"
    "var panel=document.getElementById('detail');\n"
    "function field(dl,name,value){if(value===null||value===undefined||value==='')return;"
    "var dt=document.createElement('dt');dt.textContent=name;"
    "var dd=document.createElement('dd');dd.textContent=String(value);"
    "dd.dataset.field=name;dl.appendChild(dt);dl.appendChild(dd);}\n"
    "function show(k){var c=data.cells[k];if(!c)return;"
    "var row=null;for(var i=0;i<data.rows.length;i++){var r=data.rows[i];"
    "if(r.id===c.scenario&&r.relay===c.relay){row=r;break;}}\n"
    "document.getElementById('d-title').textContent=c.scenario+' ['+c.column+']'"
    "+(c.relay?' on '+c.relay:'');\n"
    "var dl=document.getElementById('d-fields');dl.textContent='';\n"
    "field(dl,'verdict',c.verdict);field(dl,'judged by',c.profile);field(dl,'relay',c.relay);"
    "field(dl,'expected',c.expected);field(dl,'actual',c.actual);field(dl,'why',c.detail);"
    "field(dl,'deviation',c.deviation);field(dl,'stale declaration',c.stale);"
    "field(dl,'command',c.command);field(dl,'time',c.ms.toFixed(1)+' ms');\n"
    "if(row){field(dl,'scenario',row.description);field(dl,'spec',row.spec);}\n"
    "document.getElementById('d-transcript').textContent=c.transcript||'(no transcript: the "
    "runner was not a party and nothing was recorded)';\n"
    "panel.hidden=false;panel.dataset.cell=String(k);"
    "if(location.hash!=='#cell='+k)history.replaceState(null,'','#cell='+k);}\n"
    "document.getElementById('close').addEventListener('click',function(){panel.hidden=true;"
    "history.replaceState(null,'',location.pathname);});\n"
    "var tds=document.querySelectorAll('td.v');\n"
    "tds.forEach(function(td){td.addEventListener('click',function(){show(+td.dataset.cell);});"
    "td.addEventListener('keydown',function(e){if(e.key==='Enter')show(+td.dataset.cell);});});\n"
    "function apply(){var on={};document.querySelectorAll('#filters input[data-verdict]')"
    ".forEach(function(b){on[b.dataset.verdict]=b.checked;});\n"
    "var ns=document.getElementById('ns').value,col=document.getElementById('col').value,"
    "q=document.getElementById('q').value.toLowerCase(),shown=0;\n"
    "document.querySelectorAll('#matrix tbody tr[data-row]').forEach(function(tr){"
    "var any=false;if(ns&&tr.dataset.ns!==ns){tr.hidden=true;return;}\n"
    "tr.querySelectorAll('td.v').forEach(function(td){var c=data.cells[+td.dataset.cell];"
    "var hay=(c.scenario+' '+c.column+' '+(c.actual||'')+' '+(c.expected||'')+' '+"
    "(c.detail||'')).toLowerCase();"
    "var vis=on[td.dataset.verdict]&&(!col||td.dataset.col===col)&&(!q||hay.indexOf(q)>=0);"
    "td.style.visibility=vis?'':'hidden';if(vis){any=true;shown++;}});tr.hidden=!any;});\n"
    "document.querySelectorAll('#matrix tbody tr.ns').forEach(function(tr){var "
    "n=tr.nextElementSibling,"
    "vis=false;while(n&&!n.classList.contains('ns')){if(!n.hidden)vis=true;n=n.nextElementSibling;}"
    "tr.hidden=!vis;});\n"
    "document.getElementById('shown').textContent=shown+' cells shown';}\n"
    "document.querySelectorAll('#filters input,#filters select').forEach(function(e){"
    "e.addEventListener('input',apply);e.addEventListener('change',apply);});\n"
    "apply();\n"
    "var m=/^#cell=(\\d+)$/.exec(location.hash);if(m)show(+m[1]);\n"
    "})();\n";

static void write_header(const struct report *r, FILE *out) {
  fputs("<header><h1>derpcheck conformance report</h1>\n", out);
  fprintf(out, "<p id=\"summary\" class=\"%s\">%s — %zu cells: %zu match, %zu known deviation, ",
          report_ok(r) ? "ok" : "fail", report_ok(r) ? "OK" : "FAILED", r->n_cells,
          report_count(r, REPORT_MATCH), report_count(r, REPORT_KNOWN));
  fprintf(out, "%zu mismatch, %zu error, %zu skipped, %zu flaky; %zu stale declarations</p>\n",
          report_count(r, REPORT_MISMATCH), report_count(r, REPORT_ERROR),
          report_count(r, REPORT_SKIPPED), report_count(r, REPORT_FLAKY), report_count_stale(r));
  fputs("<dl class=\"meta\">", out);
  if (r->started != NULL) {
    fputs("<dt>started</dt><dd>", out);
    html_text(out, r->started);
    fputs("</dd>", out);
  }
  if (r->commit != NULL) {
    fputs("<dt>derpcheck</dt><dd>", out);
    html_text(out, r->commit);
    fputs("</dd>", out);
  }
  fputs("<dt>relays</dt><dd>", out);
  bool any = false;
  for (size_t i = 0; i < r->n_rows; i++) {
    const char *rel = r->rows[i].relay;
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = r->rows[k].relay != NULL && rel != NULL && strcmp(r->rows[k].relay, rel) == 0;
    if (seen || rel == NULL) continue;
    if (any) fputs(", ", out);
    html_text(out, rel);
    any = true;
  }
  if (!any) fputs("reference", out);
  fputs("</dd><dt>columns</dt><dd>", out);
  for (size_t p = 0; p < r->n_columns; p++) {
    if (p > 0) fputs(", ", out);
    html_text(out, r->columns[p]);
  }
  fprintf(out,
          "</dd><dt>run</dt><dd>wall %.1f ms, jobs %d, seed %llu, per-scenario median %.1f "
          "ms</dd></dl></header>\n",
          r->wall_ms, r->jobs, (unsigned long long)r->seed, report_median_ms(r));
}

static void write_filters(const struct report *r, FILE *out) {
  fputs("<section id=\"filters\">", out);
  for (int v = 0; v < REPORT_VERDICT_COUNT; v++) {
    fprintf(out,
            "<label class=\"v-%s\"><input type=\"checkbox\" data-verdict=\"%s\" checked> %s %s "
            "(%zu)</label>",
            verdict_class((enum report_verdict)v), verdict_class((enum report_verdict)v),
            report_verdict_mark((enum report_verdict)v),
            report_verdict_name((enum report_verdict)v), report_count(r, (enum report_verdict)v));
  }
  fputs("<select id=\"ns\"><option value=\"\">all namespaces</option>", out);
  for (size_t i = 0; i < r->n_rows; i++) {
    const char *id = r->rows[i].id;
    size_t n = namespace_len(id);
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = namespace_len(r->rows[k].id) == n && strncmp(r->rows[k].id, id, n) == 0;
    if (seen) continue;
    char *ns = strndup(id, n);
    fputs("<option value=\"", out);
    html_text(out, ns);
    fputs("\">", out);
    html_text(out, ns);
    fputs("</option>", out);
    free(ns);
  }
  fputs("</select><select id=\"col\"><option value=\"\">all columns</option>", out);
  for (size_t p = 0; p < r->n_columns; p++) {
    fputs("<option value=\"", out);
    html_text(out, r->columns[p]);
    fputs("\">", out);
    html_text(out, r->columns[p]);
    fputs("</option>", out);
  }
  fputs(
      "</select><input id=\"q\" type=\"search\" placeholder=\"search ids, reasons, why…\">"
      "<span id=\"shown\"></span></section>\n",
      out);
}

static bool same_relay(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void write_matrix(const struct report *r, FILE *out) {
  bool relays = r->by_relay;
  fputs("<table id=\"matrix\"><thead><tr><th>scenario</th>", out);
  if (relays) fputs("<th>relay</th>", out);
  for (size_t p = 0; p < r->n_columns; p++) {
    fputs("<th>", out);
    html_text(out, r->columns[p]);
    fputs("</th>", out);
  }
  fputs("</tr></thead>\n<tbody>\n", out);
  size_t span = r->n_columns + 1 + (relays ? 1 : 0);
  for (size_t i = 0; i < r->n_rows; i++) {
    const struct report_row *row = &r->rows[i];
    size_t n = namespace_len(row->id);
    char *ns = strndup(row->id, n);
    if (i == 0 || namespace_len(r->rows[i - 1].id) != n ||
        strncmp(r->rows[i - 1].id, row->id, n) != 0 ||
        !same_relay(r->rows[i - 1].relay, row->relay)) {
      fprintf(out, "<tr class=\"ns\"><th colspan=\"%zu\">", span);
      html_text(out, ns);
      if (relays && row->relay != NULL) {
        fputs(" — relay ", out);
        html_text(out, row->relay);
      }
      fputs("</th></tr>\n", out);
    }
    fprintf(out, "<tr data-row=\"%zu\" data-ns=\"", i);
    html_text(out, ns);
    free(ns);
    fputs("\"><th scope=\"row\" title=\"", out);
    html_text(out, row->description);
    fputs("\">", out);
    html_text(out, row->id);
    fputs("</th>", out);
    if (relays) {
      fputs("<td>", out);
      html_text(out, row->relay);
      fputs("</td>", out);
    }
    for (size_t p = 0; p < r->n_columns; p++) {
      size_t k = 0;
      while (k < r->n_cells && !(strcmp(r->cells[k].scenario, row->id) == 0 &&
                                 same_relay(r->cells[k].relay, row->relay) &&
                                 strcmp(r->cells[k].column, r->columns[p]) == 0))
        k++;
      if (k == r->n_cells) {
        fputs("<td class=\"none\"></td>", out);
        continue;
      }
      const struct report_cell *c = &r->cells[k];
      enum report_verdict v = c->stale != NULL ? REPORT_MISMATCH : c->verdict;
      char *text = report_cell_text(c);
      fprintf(
          out,
          "<td class=\"v v-%s\" tabindex=\"0\" data-cell=\"%zu\" data-verdict=\"%s\" data-col=\"",
          verdict_class(v), k, verdict_class(v));
      html_text(out, c->column);
      fputs("\" title=\"", out);
      html_text(out, text);
      fputs("\">", out);
      html_text(out, text);
      fputs("</td>", out);
      free(text);
    }
    fputs("</tr>\n", out);
  }
  fputs("</tbody></table>\n", out);
}

bool report_write_html(const struct report *r, FILE *out) {
  fputs(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>derpcheck report</title><style>",
      out);
  fputs(style, out);
  fputs("</style></head>\n<body>\n<div id=\"js-errors\" hidden></div>\n", out);
  write_header(r, out);
  write_filters(r, out);
  write_matrix(r, out);
  fputs(
      "<aside id=\"detail\" hidden><button id=\"close\" type=\"button\" aria-label=\"close\">"
      "×</button><h2 id=\"d-title\"></h2><dl id=\"d-fields\"></dl><h3>transcript</h3>"
      "<pre id=\"d-transcript\"></pre></aside>\n",
      out);
  if (!write_island(out, r)) return false;
  fputs("<script>", out);
  fputs(script, out);
  fputs("</script>\n</body></html>\n", out);
  return !ferror(out);
}
