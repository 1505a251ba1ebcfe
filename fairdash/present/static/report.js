// The report's slider: the shared preview (preview.js, before this in the page) over the report's own data.
fairdashPreview(document.getElementById("fd-preview"), JSON.parse(document.getElementById("fd-data").textContent), null);
