// ContentTwin's service worker. It keeps the app's own static assets and the offline page,
// and nothing else: pages and data always come from the server, so no member's page is ever
// stored on the device.
const CACHE = "contenttwin-shell-{{ version }}";
const ASSETS = {{ assets|safe }};
const OFFLINE = {{ offline|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...ASSETS, OFFLINE])).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (ASSETS.includes(url.pathname)) {
    // the shell's assets: from the cache, else the network
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (request.mode === "navigate") {
    // a page: always the network; the offline page when there is none
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
  }
});
