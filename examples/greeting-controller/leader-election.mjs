// Leader election over a coordination.k8s.io/v1 Lease, the way client-go's
// leaderelection package does it (client-node has none): every candidate
// polls the Lease each retry period; the holder renews renewTime, the others
// take it over only when they have seen the same record unchanged for
// leaseDurationSeconds. Every write carries the resourceVersion it read, so
// two candidates racing for an expired Lease cannot both win (409 Conflict).
import { V1MicroTime } from '@kubernetes/client-node';

/**
 * @typedef {object} ElectionOptions
 * @property {import('@kubernetes/client-node').CoordinationV1Api} api
 * @property {string} namespace
 * @property {string} name Lease name
 * @property {string} identity this candidate (the pod name)
 * @property {number} leaseDurationSeconds how long others wait after the last renewal they saw
 * @property {number} renewDeadlineSeconds the leader gives up when it could not renew for this long
 * @property {number} retryPeriodSeconds how often everyone looks at the Lease
 * @property {() => void} onStartedLeading
 * @property {() => void} onStoppedLeading
 * @property {(holder: string) => void} onNewLeader
 * @property {(line: string) => void} log
 * @property {(onLease: (lease: import('@kubernetes/client-node').V1Lease) => void) => void} [watchLease]
 *   streams changes of the Lease, so a released Lease is taken at once instead of at the next poll
 */

const isConflict = (err) => err?.code === 409;
const isNotFound = (err) => err?.code === 404;

export class LeaderElector {
  /** @param {ElectionOptions} options */
  constructor(options) {
    this.o = options;
    this.leading = false;
    this.stopped = false;
    this.lastRenewMs = 0;
    // What this candidate last saw, and when (its own clock): expiry is judged
    // from observation, not from renewTime, so clock skew between pods does not matter.
    this.observedSpec = '';
    this.observedAtMs = 0;
    this.observedHolder = '';
    this.lease = undefined;
    this.inflight = undefined;
    this.wake = () => {};
    options.watchLease?.((lease) => {
      // A Lease handed back (empty holder) is up for grabs now; anything else can wait for the poll.
      if (!this.leading && !lease.spec?.holderIdentity) this.wake();
    });
  }

  /** Waits one retry period, or less when the Lease watch says it was released. */
  pause() {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.o.retryPeriodSeconds * 1000);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Runs until stop(): acquire, then renew until lost; a lost leader keeps candidating. */
  async run() {
    while (!this.stopped) {
      let acquired = false;
      try {
        this.inflight = this.tryAcquireOrRenew();
        acquired = await this.inflight;
      } catch (err) {
        this.o.log(`error retrieving or updating lease ${this.o.namespace}/${this.o.name}: ${err?.message ?? err}`);
      }
      if (this.stopped) break;
      const now = Date.now();
      if (acquired) {
        this.lastRenewMs = now;
        if (!this.leading) {
          this.leading = true;
          this.o.log(`became leader (lease ${this.o.namespace}/${this.o.name})`);
          this.o.onStartedLeading();
        }
      } else if (this.leading && now - this.lastRenewMs > this.o.renewDeadlineSeconds * 1000) {
        this.leading = false;
        this.o.log(`lost leadership: could not renew lease ${this.o.namespace}/${this.o.name} within ${this.o.renewDeadlineSeconds}s`);
        this.o.onStoppedLeading();
      }
      await this.pause();
    }
  }

  async tryAcquireOrRenew() {
    const nowIso = new V1MicroTime();
    let lease;
    try {
      lease = await this.o.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        this.lease = await this.o.api.createNamespacedLease({
          namespace: this.o.namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec: { holderIdentity: this.o.identity, leaseDurationSeconds: this.o.leaseDurationSeconds, acquireTime: nowIso, renewTime: nowIso, leaseTransitions: 0 },
          },
        });
        this.observe(this.lease);
        return true;
      } catch (createErr) {
        if (isConflict(createErr)) return false; // another candidate created it first
        throw createErr;
      }
    }
    this.observe(lease);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const duration = (spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
    if (holder !== '' && holder !== this.o.identity && Date.now() < this.observedAtMs + duration) return false;

    const takingOver = holder !== this.o.identity;
    const body = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.o.identity,
        leaseDurationSeconds: this.o.leaseDurationSeconds,
        renewTime: nowIso,
        acquireTime: takingOver ? nowIso : (spec.acquireTime ?? nowIso),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
      },
    };
    try {
      // metadata.resourceVersion is the one read above: a concurrent writer makes this a 409.
      this.lease = await this.o.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body });
      this.observe(this.lease);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  observe(lease) {
    const spec = JSON.stringify(lease.spec ?? {});
    if (spec !== this.observedSpec) {
      this.observedSpec = spec;
      this.observedAtMs = Date.now();
    }
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder !== '' && holder !== this.o.identity) this.o.onNewLeader(holder);
    }
  }

  /**
   * Stops candidating; a leader hands the Lease back at once (client-go's
   * ReleaseOnCancel: empty holder, 1 s duration) so a follower need not wait
   * out the full lease duration.
   */
  async release() {
    this.stopped = true;
    this.wake();
    // A renewal in flight would otherwise land after the release and re-take the Lease.
    await this.inflight?.catch(() => {});
    if (!this.leading || !this.lease) return;
    this.leading = false;
    const now = new V1MicroTime();
    try {
      await this.o.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        body: { ...this.lease, spec: { ...this.lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } },
      });
      this.o.log(`released lease ${this.o.namespace}/${this.o.name}`);
    } catch (err) {
      this.o.log(`could not release lease: ${err?.message ?? err}`);
    }
  }
}
