/*
 * The rule report page: fetches GET /admin/reports/rules with the admin token as a bearer header and draws it with
 * Chart.js. The token is kept in this tab's sessionStorage only. Data goes into the page as text, never as HTML.
 */
'use strict';

(function main() {
  const TOKEN_KEY = 'hcc-cds-admin-token';
  const MODES = ['shown', 'silent', 'snoozed'];
  const PALETTE = ['#2680c2', '#d64545', '#f0b429', '#3ebd93', '#8662c7', '#cb6e17', '#0e7c86', '#e668a7', '#52606d', '#9aa5b1', '#1f6fa8', '#8d2b0b'];
  const INDICATOR_COLOURS = { critical: '#d64545', warning: '#f0b429', info: '#2680c2' };
  const MODE_ALPHA = { shown: 'ff', silent: '80', snoozed: '40' };
  const charts = {};

  const $ = (id) => document.getElementById(id);
  const status = (text, isError) => {
    $('status').textContent = text;
    $('status').className = isError ? 'error' : '';
  };
  const storedToken = () => {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
  };
  const storeToken = (token) => {
    try { if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY); } catch { /* storage off: memory only */ }
  };
  let token = storedToken();

  const percent = (value) => (value === null || value === undefined ? '-' : `${(Math.round(value * 1000) / 10).toFixed(1)} %`);
  const ruleColours = new Map();
  const colourOf = (ruleId) => {
    if (!ruleColours.has(ruleId)) ruleColours.set(ruleId, PALETTE[ruleColours.size % PALETTE.length]);
    return ruleColours.get(ruleId);
  };
  const reasonLabel = (r) => (r.display ? `${r.display} (${r.code ?? '-'})` : (r.code ?? '-'));

  function query() {
    const params = new URLSearchParams();
    if ($('from').value) params.set('from', $('from').value);
    if ($('to').value) params.set('to', $('to').value);
    return params;
  }

  async function request(params, accept) {
    const headers = { Accept: accept };
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(`/admin/reports/rules?${params}`, { headers, cache: 'no-store', credentials: 'omit' });
  }

  function refused() {
    document.body.dataset.state = 'refused';
    $('report').hidden = true;
    for (const chart of Object.values(charts)) chart.destroy();
    for (const key of Object.keys(charts)) delete charts[key];
    status(token ? 'Refused: that admin token is not accepted.' : 'Enter the admin token (ADMIN_TOKEN) to see the report.', Boolean(token));
    $('token').focus();
  }

  async function load() {
    document.body.dataset.state = 'loading';
    status('Loading...');
    let response;
    try {
      response = await request(query(), 'application/json');
    } catch (error) {
      document.body.dataset.state = 'error';
      status(`The service did not answer: ${error.message}`, true);
      return;
    }
    if (response.status === 401 || response.status === 404) {
      refused();
      return;
    }
    if (!response.ok) {
      const outcome = await response.json().catch(() => undefined);
      document.body.dataset.state = 'error';
      status(outcome?.issue?.[0]?.diagnostics ?? `The service answered ${response.status}.`, true);
      return;
    }
    const report = await response.json();
    storeToken(token);
    render(report);
  }

  function replaceChart(id, config) {
    charts[id]?.destroy();
    const canvas = $(id);
    charts[id] = new Chart(canvas, config);
    canvas.dataset.state = 'drawn';
  }

  const baseOptions = (extra) => ({ animation: false, responsive: true, maintainAspectRatio: false, ...extra });

  function datesBetween(from, to) {
    const dates = [];
    const end = Date.parse(`${to}T00:00:00Z`);
    // A long period is drawn from its first card on (the report's `from`), at most about two years of days.
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && dates.length < 800; t += 86400000) dates.push(new Date(t).toISOString().slice(0, 10));
    return dates;
  }

  function drawDaily(report) {
    const dates = datesBetween(report.from, report.to);
    const index = new Map(dates.map((d, i) => [d, i]));
    const series = new Map();
    for (const day of report.daily) {
      const key = `${day.ruleId} · ${day.indicator} · ${day.mode}`;
      if (!series.has(key)) series.set(key, { day, data: new Array(dates.length).fill(0) });
      const i = index.get(day.date);
      if (i !== undefined) series.get(key).data[i] += day.count;
    }
    const datasets = [...series.entries()].map(([label, { day, data }]) => ({
      label,
      data,
      stack: day.mode,
      backgroundColor: colourOf(day.ruleId) + MODE_ALPHA[day.mode],
      borderColor: colourOf(day.ruleId),
      borderWidth: day.mode === 'shown' ? 0 : 1,
    }));
    replaceChart('chart-daily', {
      type: 'bar',
      data: { labels: dates, datasets },
      options: baseOptions({
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'cards' } } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      }),
    });
  }

  function drawOverrideRate(report) {
    const rows = report.rules.filter((r) => r.overrideRate !== null);
    replaceChart('chart-override-rate', {
      type: 'bar',
      data: {
        labels: rows.map((r) => (r.mode === 'shown' ? r.ruleId : `${r.ruleId} (${r.mode})`)),
        datasets: [{ label: 'override rate (%)', data: rows.map((r) => Math.round(r.overrideRate * 1000) / 10), backgroundColor: rows.map((r) => colourOf(r.ruleId)) }],
      },
      options: baseOptions({ indexAxis: 'y', scales: { x: { min: 0, max: 100, title: { display: true, text: '% of answered cards overridden' } } }, plugins: { legend: { display: false } } }),
    });
  }

  function topReasons(report) {
    const totals = new Map();
    for (const row of report.rules) {
      for (const r of row.overrideReasons) {
        const key = `${r.system ?? ''}|${r.code ?? ''}`;
        const entry = totals.get(key) ?? { ...r, count: 0 };
        entry.count += r.count;
        totals.set(key, entry);
      }
    }
    return [...totals.values()].sort((a, b) => b.count - a.count).slice(0, 10);
  }

  function drawReasons(report) {
    const reasons = topReasons(report);
    replaceChart('chart-reasons', {
      type: 'bar',
      data: { labels: reasons.map(reasonLabel), datasets: [{ label: 'overrides', data: reasons.map((r) => r.count), backgroundColor: '#d64545' }] },
      options: baseOptions({ indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } }),
    });
  }

  function silentRows(report) {
    return report.rules.filter((r) => r.mode === 'silent');
  }

  function drawSilent(report) {
    const rows = silentRows(report);
    const indicators = ['critical', 'warning', 'info'].filter((i) => rows.some((r) => r.indicators[i]));
    replaceChart('chart-silent', {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.ruleId),
        datasets: indicators.map((i) => ({ label: i, data: rows.map((r) => r.indicators[i] ?? 0), backgroundColor: INDICATOR_COLOURS[i] })),
      },
      options: baseOptions({ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'cards not shown' } } } }),
    });
  }

  function cell(text, number) {
    const td = document.createElement('td');
    td.textContent = String(text);
    if (number) td.className = 'number';
    return td;
  }

  function fillTable(id, rows, columns, emptyText) {
    const body = $(id).querySelector('tbody');
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(emptyText);
      td.colSpan = columns;
      td.className = 'empty';
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const cells of rows) {
      const tr = document.createElement('tr');
      tr.append(...cells);
      body.append(tr);
    }
  }

  function render(report) {
    $('from').value = report.from;
    $('to').value = report.to;
    $('report').hidden = false;
    const t = report.totals;
    $('totals').textContent = `${report.from} to ${report.to} (${report.timeZone}): ${t.issued} cards decided on: ${t.shown} shown, ${t.silent} silent, ${t.snoozed} snoozed. Feedback for cards not in the log (orphaned): ${report.orphanFeedback}.`;
    drawDaily(report);
    drawOverrideRate(report);
    drawReasons(report);
    drawSilent(report);
    fillTable('rules-table', report.rules.map((r) => [cell(r.ruleId), cell(r.mode), cell(r.issued, true), cell(r.accepted, true), cell(r.overridden, true), cell(r.noFeedback, true), cell(percent(r.acceptRate), true), cell(percent(r.overrideRate), true), cell(percent(r.feedbackCoverage), true)]), 9, 'No cards in this period.');
    fillTable('reasons-table', report.rules.flatMap((r) => r.overrideReasons.map((reason) => [cell(r.ruleId), cell(r.mode), cell(reason.display ?? '-'), cell(`${reason.system ? `${reason.system}|` : ''}${reason.code ?? ''}`), cell(reason.count, true)])), 5, 'No coded override reasons in this period.');
    fillTable('silent-table', silentRows(report).flatMap((r) => Object.entries(r.indicators).map(([indicator, n]) => [cell(r.ruleId), cell(indicator), cell(n, true)])), 3, 'No silent rule fired in this period.');
    document.body.dataset.state = 'ready';
    status(`Report loaded ${new Date().toLocaleString()}.`);
  }

  async function downloadCsv() {
    const response = await request(query(), 'text/csv').catch(() => undefined);
    if (!response || !response.ok) {
      if (response && (response.status === 401 || response.status === 404)) refused();
      else status('The CSV could not be fetched.', true);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `rule-report-${$('from').value || 'start'}-to-${$('to').value || 'today'}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('query').addEventListener('submit', (event) => {
      event.preventDefault();
      const typed = $('token').value.trim();
      if (typed) token = typed;
      $('token').value = '';
      void load();
    });
    $('forget').addEventListener('click', () => {
      token = '';
      storeToken('');
      refused();
    });
    $('csv').addEventListener('click', () => void downloadCsv());
    // One try with what this tab already has (a stored token, or a header the browser adds), then ask.
    void load();
  });
})();
