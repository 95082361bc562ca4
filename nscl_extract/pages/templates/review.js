(function () {
  var timer = null, lit = [];
  function go(id) {
    var parts = document.querySelectorAll('#doc [data-ref="' + id + '"]');
    if (!parts.length) return;
    (document.getElementById(id) || parts[0]).scrollIntoView({block: 'center', inline: 'nearest'});
    lit.forEach(function (e) { e.classList.remove('flash'); });
    lit = Array.prototype.slice.call(parts);
    lit.forEach(function (e) { void e.offsetWidth; e.classList.add('flash'); });
    clearTimeout(timer);
    timer = setTimeout(function () { lit.forEach(function (e) { e.classList.remove('flash'); }); lit = []; }, 2000);
  }
  function select(row) {
    document.querySelectorAll('tr.selected').forEach(function (r) { r.classList.remove('selected'); });
    row.classList.add('selected');
  }
  document.addEventListener('click', function (ev) {
    var row = ev.target.closest('tr[data-target]');
    if (row) { select(row); go(row.getAttribute('data-target')); return; }
    var key = ev.target.closest('.legend li[data-kind]');
    if (key) {
      key.classList.toggle('off');
      document.getElementById('doc').classList.toggle('hide-' + key.getAttribute('data-kind'));
      return;
    }
    var span = ev.target.closest('#doc .ind');
    if (span) {
      var r = document.querySelector('tr[data-target="' + span.getAttribute('data-ref') + '"]');
      if (r) { select(r); r.scrollIntoView({block: 'nearest'}); }
    }
  });
  document.addEventListener('keydown', function (ev) {
    var row = ev.target.closest && ev.target.closest('tr[data-target]');
    if (row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); select(row); go(row.getAttribute('data-target')); }
  });
})();
