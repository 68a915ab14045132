extension Assets {
    /// `/static/charts.js`, sent only with pages that draw a chart (after Debian's Chart.js 3.9).
    ///
    /// - Meter charts (`canvas[data-history]`) sit on a real time axis: a linear scale of ms
    ///   whose ticks fall on the site zone's hours and days (`Intl`, no date adapter), with
    ///   `null` points as gaps. Drag across the chart (or the buttons) to zoom, the arrows to
    ///   pan; the range goes into the URL, so a reload or a shared link keeps it.
    /// - Stacked bars (`canvas[data-stacked]`): meters or tariff periods, each with its colour.
    /// - Tooltips show every series, the total and the unit, in the page's language and number
    ///   format; colours come from the theme's CSS variables and follow a theme switch.
    /// - Each chart has a table of the same figures for screen readers and for reading exactly.
    static let charts = #"""
        'use strict';
        (function () {
          if (typeof Chart === 'undefined') { return; }
          const root = document.documentElement;
          const lang = root.getAttribute('lang') || 'en';
          const zone = root.getAttribute('data-tz') || undefined;
          const wordsNode = document.getElementById('chart-words');
          const words = wordsNode ? JSON.parse(wordsNode.getAttribute('data-words') || '{}') : {};
          const say = function (key) { return words[key] || key; };
          const formats = {};
          const number = function (value, decimals) {
            if (value === null || value === undefined || !isFinite(value)) { return '–'; }
            const key = String(decimals);
            if (!formats[key]) {
              formats[key] = new Intl.NumberFormat(lang, { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
            }
            return formats[key].format(value);
          };
          const decimalsOf = function (unit, value) {
            switch (unit) {
              case 'W': return Math.abs(value) >= 100 ? 0 : 1;
              case 'kWh': return 3;
              case 'V': return 1;
              case 'A': return 3;
              case 'Hz': return 2;
              case '': return 2;
              default: return 2;
            }
          };
          const withUnit = function (value, unit) {
            const text = number(value, decimalsOf(unit, value));
            return unit === 'EUR' ? text + ' €' : (unit ? text + ' ' + unit : text);
          };
          const dateFormat = function (options) {
            try { return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: zone }, options)); }
            catch (e) { return new Intl.DateTimeFormat(lang, options); }
          };
          const clock = dateFormat({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
          const day = dateFormat({ day: 'numeric', month: 'short' });
          const full = dateFormat({ weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
          const parts = dateFormat({ year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
          // The zone's offset at an instant (ms): what its wall clock reads minus UTC.
          const offset = function (time) {
            const p = {};
            parts.formatToParts(new Date(time)).forEach(function (part) { p[part.type] = part.value; });
            const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
            return wall - (time - ((time % 1000) + 1000) % 1000);
          };
          const minute = 60000, hour = 3600000, dayMs = 86400000;
          const steps = [minute, 5 * minute, 15 * minute, 30 * minute, hour, 3 * hour, 6 * hour, 12 * hour, dayMs, 2 * dayMs, 7 * dayMs, 14 * dayMs, 28 * dayMs, 91 * dayMs];
          // Ticks on the zone's round hours and midnights, about `count` of them.
          const timeTicks = function (min, max, count) {
            const span = max - min;
            let step = steps[steps.length - 1];
            for (let i = 0; i < steps.length; i++) { if (span / steps[i] <= count) { step = steps[i]; break; } }
            const ticks = [];
            const shift = offset(min);
            for (let k = Math.ceil((min + shift) / step); ticks.length < 60; k++) {
              const wall = k * step;
              const time = wall - offset(wall - shift);
              if (time > max) { break; }
              if (time >= min) { ticks.push({ value: time }); }
            }
            return { ticks: ticks, step: step };
          };
          const tickLabel = function (value, step) {
            if (step >= dayMs) { return day.format(new Date(value)); }
            const text = clock.format(new Date(value));
            return text === '00:00' ? [text, day.format(new Date(value))] : text;
          };

          // Colours: the theme's variables, read again after a theme switch.
          const colours = function () {
            const styles = getComputedStyle(root);
            const read = function (name, fallback) { return styles.getPropertyValue(name).trim() || fallback; };
            const list = function (prefix, count) {
              const out = [];
              for (let i = 0; i < count; i++) { out.push(read(prefix + i, '#0d6efd')); }
              return out;
            };
            return { text: read('--et-chart-text', '#495057'), grid: read('--et-chart-grid', 'rgba(0,0,0,.1)'),
                     series: list('--et-series-', 8), bands: list('--et-band-', 6), other: read('--et-band-other', '#6c757d') };
          };
          const charts = [];
          const ensure = function (object, key) { if (!object[key]) { object[key] = {}; } return object[key]; };
          // Colours into a chart's options and datasets (before it is made, and after a switch).
          const paint = function (options, datasets, line) {
            const c = colours();
            Object.keys(options.scales).forEach(function (key) {
              const scale = options.scales[key];
              // Set, never replaced: a made chart's options are proxies.
              ensure(scale, 'ticks').color = c.text;
              ensure(scale, 'grid').color = c.grid;
              ensure(scale, 'title').color = c.text;
            });
            ensure(options.plugins.legend, 'labels').color = c.text;
            datasets.forEach(function (dataset, index) {
              const colour = dataset.other ? c.other : (dataset.bands ? c.bands[index % c.bands.length] : c.series[index % c.series.length]);
              dataset.borderColor = colour;
              dataset.backgroundColor = line ? colour + '33' : colour;
            });
          };
          const make = function (canvas, config) {
            paint(config.options, config.data.datasets, config.type === 'line');
            const chart = new Chart(canvas, config);
            charts.push(chart);
            return chart;
          };
          document.addEventListener('enertrack:theme', function () {
            charts.forEach(function (chart) { paint(chart.options, chart.data.datasets, chart.config.type === 'line'); chart.update(); });
          });

          // A table of the chart's figures (its text alternative), in a <details> after it.
          const fillTable = function (table, headers, rows) {
            const head = document.createElement('thead');
            const headRow = document.createElement('tr');
            headers.forEach(function (text, index) {
              const cell = document.createElement('th');
              cell.scope = 'col';
              cell.textContent = text;
              if (index > 0) { cell.className = 'text-end'; }
              headRow.appendChild(cell);
            });
            head.appendChild(headRow);
            const body = document.createElement('tbody');
            rows.forEach(function (row) {
              const line = document.createElement('tr');
              row.forEach(function (text, index) {
                const cell = document.createElement(index === 0 ? 'th' : 'td');
                if (index === 0) { cell.scope = 'row'; } else { cell.className = 'text-end'; }
                cell.textContent = text;
                line.appendChild(cell);
              });
              body.appendChild(line);
            });
            table.replaceChildren(head, body);
          };

          // Stacked bars: meters (kWh) or tariff periods (cost), a total in the tooltip.
          document.querySelectorAll('canvas[data-stacked]').forEach(function (canvas) {
            const data = JSON.parse(canvas.getAttribute('data-stacked') || '{"labels":[],"series":[]}');
            const bands = canvas.hasAttribute('data-bands');
            const above = canvas.hasAttribute('data-above');
            const unit = data.unit;
            // Its table (`data-table`): a row per bar, a column per series, then the total.
            const table = document.getElementById(canvas.getAttribute('data-table') || '');
            if (table) {
              fillTable(table, [say('Period')].concat(data.series.map(function (s) { return s.label; }), [say('Total')]),
                data.labels.map(function (label, index) {
                  let total = 0;
                  const cells = data.series.map(function (s) { total += s.values[index] || 0; return withUnit(s.values[index], unit); });
                  return [label].concat(cells, [withUnit(total, unit)]);
                }));
            }
            make(canvas, {
              type: 'bar',
              data: { labels: data.labels, datasets: data.series.map(function (s) {
                return { label: s.label, data: s.values, stack: 'all', bands: bands, other: !!s.other }; }) },
              options: {
                animation: false, responsive: true, maintainAspectRatio: false,
                interaction: { mode: 'index', intersect: false },
                scales: { x: { stacked: true },
                          y: { stacked: true, beginAtZero: true, title: { display: true, text: unit === 'EUR' ? '€' : unit },
                               ticks: { callback: function (value) { return number(value, Number.isInteger(value) || Math.abs(value) >= 10 ? 0 : 1); } } } },
                plugins: {
                  legend: { display: true, position: 'bottom' },
                  tooltip: { callbacks: {
                    label: function (item) { return item.dataset.label + ': ' + withUnit(item.parsed.y, unit); },
                    footer: function (items) {
                      // A flow chart (`data-above`: export drawn below zero) totals what was used.
                      let total = 0;
                      items.forEach(function (item) { if (!above || item.parsed.y > 0) { total += item.parsed.y || 0; } });
                      return (above ? say('Consumption') : say('Total')) + ': ' + withUnit(total, unit);
                    } } }
                }
              }
            });
          });

          // Meter charts on a time axis.
          document.querySelectorAll('canvas[data-history]').forEach(function (canvas) {
            const box = canvas.parentElement;
            const node = canvas.getAttribute('data-history');
            const params = new URLSearchParams(location.search);
            const state = { quantity: params.get('quantity') || canvas.getAttribute('data-quantity') || 'power',
                            range: params.get('range') || canvas.getAttribute('data-range') || '24h',
                            from: params.get('from'), to: params.get('to'), unit: '', step: 0, points: [] };
            const status = document.getElementById('history-status');
            const table = document.getElementById('history-table');
            let ticks = { step: hour };
            const chart = make(canvas, {
              type: 'line',
              data: { datasets: [{ label: '', data: [], pointRadius: 0, borderWidth: 1.5, fill: 'origin', spanGaps: false, parsing: false, normalized: true }] },
              options: {
                animation: false, responsive: true, maintainAspectRatio: false,
                interaction: { mode: 'nearest', axis: 'x', intersect: false },
                scales: {
                  x: { type: 'linear', afterBuildTicks: function (scale) {
                         ticks = timeTicks(scale.min, scale.max, box.clientWidth < 500 ? 4 : 8);
                         scale.ticks = ticks.ticks; },
                       ticks: { autoSkip: false, maxRotation: 0, callback: function (value) { return tickLabel(value, ticks.step); } } },
                  y: { ticks: { callback: function (value) { return number(value, Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : (Math.abs(value) >= 1 ? 1 : 2)); } } }
                },
                plugins: {
                  legend: { display: false },
                  tooltip: { callbacks: {
                    title: function (items) {
                      if (!items.length) { return ''; }
                      const start = items[0].parsed.x;
                      const text = full.format(new Date(start));
                      return state.step ? text + ' – ' + clock.format(new Date(start + state.step)) : text;
                    },
                    label: function (item) { return item.dataset.label + ': ' + withUnit(item.parsed.y, state.unit); } } }
                }
              }
            });

            const remember = function () {
              const query = new URLSearchParams();
              if (state.from && state.to) { query.set('from', state.from); query.set('to', state.to); }
              else { query.set('range', state.range); }
              query.set('quantity', state.quantity);
              history.replaceState(null, '', location.pathname + '?' + query.toString());
              document.querySelectorAll('[data-set-range]').forEach(function (b) {
                const on = !state.from && b.getAttribute('data-set-range') === state.range;
                b.classList.toggle('active', on);
                b.setAttribute('aria-pressed', on ? 'true' : 'false');
              });
              document.querySelectorAll('[data-set-quantity]').forEach(function (b) {
                const on = b.getAttribute('data-set-quantity') === state.quantity;
                b.classList.toggle('active', on);
                b.setAttribute('aria-pressed', on ? 'true' : 'false');
              });
            };
            const load = function () {
              const query = new URLSearchParams({ quantity: state.quantity });
              if (state.from && state.to) { query.set('from', state.from); query.set('to', state.to); }
              else { query.set('range', state.range); }
              return fetch('/api/v1/nodes/' + encodeURIComponent(node) + '/history?' + query.toString(), { credentials: 'same-origin' })
                .then(function (response) {
                  if (response.status === 401) { window.dispatchEvent(new CustomEvent('enertrack:expired')); return null; }
                  return response.ok ? response.json() : null;
                })
                .then(function (body) {
                  if (!body) { return; }
                  state.unit = body.unit;
                  state.step = body.quantity === 'energy' ? body.step_ms : 0;
                  const dataset = chart.data.datasets[0];
                  dataset.data = body.points.map(function (p) { return { x: p.t, y: p.v }; });
                  dataset.label = say(body.quantity);
                  dataset.stepped = body.quantity === 'energy' ? 'after' : false;
                  chart.options.scales.x.min = body.from;
                  chart.options.scales.x.max = body.to;
                  chart.options.scales.y.beginAtZero = body.quantity === 'energy' || body.quantity === 'power';
                  chart.options.scales.y.title.display = true;
                  chart.options.scales.y.title.text = body.unit || say('pf');
                  chart.update('none');
                  state.shown = { from: body.from, to: body.to };
                  if (status) {
                    const source = body.source === 'rollups' ? say('15-minute means') : say('readings');
                    status.textContent = say(body.quantity === 'energy' ? 'kWh per interval' : body.quantity) + ' · ' + source +
                      ' · ' + body.points.filter(function (p) { return p.v !== null; }).length + ' ' + say('points');
                  }
                  if (table) {
                    const rows = body.points.filter(function (p) { return p.v !== null; }).map(function (p) {
                      return [full.format(new Date(p.t)), withUnit(p.v, body.unit)]; });
                    fillTable(table, [say('Time'), say(body.quantity) + (body.unit ? ' (' + body.unit + ')' : '')], rows);
                  }
                })
                .catch(function () { window.dispatchEvent(new CustomEvent('enertrack:unreachable')); });
            };
            const zoomTo = function (from, to) {
              const now = Date.now();
              to = Math.min(to, now);
              if (to - from < 60000) { from = to - 60000; }
              if (to - from > 400 * dayMs) { from = to - 400 * dayMs; }
              state.from = String(Math.round(from));
              state.to = String(Math.round(to));
              remember();
              load();
            };
            // Drag across the chart to zoom into that range.
            const band = document.createElement('div');
            band.className = 'zoom-band';
            band.hidden = true;
            box.appendChild(band);
            let dragStart = null;
            canvas.addEventListener('pointerdown', function (event) {
              if (event.button !== 0) { return; }
              const area = chart.chartArea;
              if (event.offsetX < area.left || event.offsetX > area.right) { return; }
              dragStart = event.offsetX;
              canvas.setPointerCapture(event.pointerId);
            });
            canvas.addEventListener('pointermove', function (event) {
              if (dragStart === null) { return; }
              const area = chart.chartArea;
              const x = Math.max(area.left, Math.min(area.right, event.offsetX));
              band.hidden = Math.abs(x - dragStart) < 4;
              band.style.left = Math.min(x, dragStart) + 'px';
              band.style.width = Math.abs(x - dragStart) + 'px';
              band.style.top = area.top + 'px';
              band.style.height = (area.bottom - area.top) + 'px';
            });
            const endDrag = function (event) {
              if (dragStart === null) { return; }
              const area = chart.chartArea;
              const x = Math.max(area.left, Math.min(area.right, event.offsetX));
              const start = dragStart;
              dragStart = null;
              band.hidden = true;
              if (Math.abs(x - start) < 10) { return; }
              const scale = chart.scales.x;
              zoomTo(scale.getValueForPixel(Math.min(x, start)), scale.getValueForPixel(Math.max(x, start)));
            };
            canvas.addEventListener('pointerup', endDrag);
            canvas.addEventListener('pointercancel', function () { dragStart = null; band.hidden = true; });
            document.querySelectorAll('[data-zoom]').forEach(function (button) {
              button.addEventListener('click', function () {
                const shown = state.shown || { from: Date.now() - dayMs, to: Date.now() };
                const span = shown.to - shown.from, middle = (shown.from + shown.to) / 2;
                switch (button.getAttribute('data-zoom')) {
                  case 'in': zoomTo(middle - span / 4, middle + span / 4); break;
                  case 'out': zoomTo(middle - span, middle + span); break;
                  case 'earlier': zoomTo(shown.from - span / 2, shown.to - span / 2); break;
                  case 'later': zoomTo(shown.from + span / 2, shown.to + span / 2); break;
                }
              });
            });
            document.querySelectorAll('[data-set-range]').forEach(function (button) {
              button.addEventListener('click', function () {
                state.range = button.getAttribute('data-set-range');
                state.from = state.to = null;
                remember();
                load();
              });
            });
            document.querySelectorAll('[data-set-quantity]').forEach(function (button) {
              button.addEventListener('click', function () {
                state.quantity = button.getAttribute('data-set-quantity');
                remember();
                load();
              });
            });
            remember();
            load();
            // A range back from now follows the meter; a zoomed range stays as chosen.
            setInterval(function () { if (!state.from && !document.hidden) { load(); } }, 10000);
          });
        })();
        """#
}
