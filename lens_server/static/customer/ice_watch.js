// Notices a dead media path within about 1.5 s, where ICE takes 5 s to say
// "disconnected" (and 30 s to say "failed").
//
// When a phone moves from Wi-Fi to mobile data and its Wi-Fi address is gone before
// the browser goes "offline" (or it never does, because mobile data is already up),
// nothing else tells the page: the signaling socket is a half-open TCP connection on
// the old address (12 s until its own silence limit), and ICE waits for its timers.
// The console always sends something (its voice, RTCP reports, consent checks), many
// packets a second, so a transport that has received nothing for SILENCE_LIMIT_MS has
// lost its path. The session then redials its socket and starts a new generation
// (docs/decisions/0005, 0019).

const CHECK_EVERY_MS = 250;
export const SILENCE_LIMIT_MS = 1500;

/**
 * Calls onLost(silentMs) when the peer connection's transport stops receiving; once,
 * unless onLost returns false (not the moment to act: it is asked again later).
 */
export class PathWatch {
  constructor(pc, onLost) {
    this.pc = pc;
    this.onLost = onLost;
    this.received = 0;
    this.heardAt = 0;
    this.done = false;
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
  }

  async check() {
    let report;
    try {
      report = await this.pc.getStats();
    } catch {
      return; // closed meanwhile
    }
    if (this.done) return;
    let received = 0;
    report.forEach((entry) => {
      if (entry.type === 'transport') received += entry.bytesReceived || 0;
    });
    const now = performance.now();
    if (received !== this.received) {
      this.received = received;
      this.heardAt = now;
    } else if (this.heardAt && now - this.heardAt > SILENCE_LIMIT_MS) {
      if (this.onLost(now - this.heardAt) === false) this.heardAt = now;
      else this.close();
    }
  }

  close() {
    this.done = true;
    clearInterval(this.timer);
  }
}
