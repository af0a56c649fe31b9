// Historical import: run the import chunk by chunk and show the progress.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = document.getElementById("import-bar");
  var status = document.getElementById("import-status");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var total = parseInt(box.dataset.total, 10) || 0;
  function show(done, created, skipped) {
    var pct = total ? Math.round(done * 100 / total) : 100;
    bar.style.width = pct + "%";
    bar.textContent = pct + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", done);
    status.textContent = "已处理 " + done + " / " + total + " 行；新建 " + created + " 条，已存在跳过 " + skipped + " 条。";
  }
  function step() {
    fetch(box.dataset.runUrl, {method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-Token": meta ? meta.content : "", "Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
      .then(function (res) {
        if (!res.ok) { status.textContent = "导入出错：" + (res.body.message || res.body.error || "请稍后重试"); return; }
        show(res.body.done, res.body.created, res.body.skipped);
        if (!res.body.finished) step(); else status.textContent += " 导入完成。";
      })
      .catch(function () { status.textContent = "网络错误，刷新页面可从中断处继续。"; });
  }
  if (parseInt(box.dataset.done, 10) < total) step(); else show(total, 0, 0);
})();
