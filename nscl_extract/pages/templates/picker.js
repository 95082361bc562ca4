(function () {
  var viewer = document.getElementById('viewer');
  function pick(row) {
    document.querySelectorAll('#picker tr.selected').forEach(function (r) { r.classList.remove('selected'); });
    row.classList.add('selected');
    viewer.srcdoc = row.getAttribute('data-page');
    history.replaceState(null, '', '#' + encodeURIComponent(row.getAttribute('data-doc')));
  }
  document.getElementById('picker').addEventListener('click', function (ev) {
    var row = ev.target.closest('tr[data-page]');
    if (row) pick(row);
  });
  document.getElementById('picker').addEventListener('keydown', function (ev) {
    var row = ev.target.closest('tr[data-page]');
    if (row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); pick(row); }
  });
  document.getElementById('filter').addEventListener('input', function (ev) {
    var q = ev.target.value.toLowerCase();
    document.querySelectorAll('#picker tbody tr').forEach(function (r) {
      r.classList.toggle('hidden', q !== '' && r.textContent.toLowerCase().indexOf(q) < 0);
    });
  });
  var wanted = '';
  try { wanted = decodeURIComponent(location.hash.slice(1)); } catch (e) { /* a malformed #hash: the first row */ }
  var rows = Array.prototype.slice.call(document.querySelectorAll('#picker tr[data-page]'));
  var first = rows.filter(function (r) { return r.getAttribute('data-doc') === wanted; })[0] || rows[0];
  if (first) pick(first);
})();
