// Draw the figures the server built with plotly (the JSON is in #chart-data).
const charts = JSON.parse(document.getElementById("chart-data").textContent);
for (const [key, figure] of Object.entries(charts)) {
  Plotly.newPlot(`chart-${key}`, figure.data, figure.layout, { displaylogo: false, responsive: true });
}
