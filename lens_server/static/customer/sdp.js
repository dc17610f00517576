// SDP munging that makes Chrome's video encoder start near full quality.
//
// Chrome's bandwidth estimator starts at about 300 kbps and climbs slowly, so a fresh call
// shows a blurry, small picture for several seconds. Chrome reads x-google-start-bitrate
// and x-google-max-bitrate from the *remote* description's video fmtp lines, so the
// customer (the offerer) adds them to the console's answer before applying it.

const NOT_MEDIA_CODECS = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

function splitSections(lines) {
  const sections = [[]];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push([]);
    sections[sections.length - 1].push(line);
  }
  return sections;
}

function videoPayloadTypes(section) {
  const types = [];
  for (const line of section) {
    const match = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
    if (match && !NOT_MEDIA_CODECS.has(match[2].toLowerCase())) types.push(match[1]);
  }
  return types;
}

function withBitrates(section, params) {
  const types = videoPayloadTypes(section);
  const result = [];
  for (const line of section) {
    const fmtp = /^a=fmtp:(\d+) /.exec(line);
    if (fmtp && types.includes(fmtp[1]) && !line.includes('x-google-start-bitrate')) {
      result.push(`${line};${params}`);
      continue;
    }
    result.push(line);
    const rtpmap = /^a=rtpmap:(\d+) /.exec(line);
    const hasFmtp = rtpmap && section.some((other) => other.startsWith(`a=fmtp:${rtpmap[1]} `));
    if (rtpmap && types.includes(rtpmap[1]) && !hasFmtp) {
      result.push(`a=fmtp:${rtpmap[1]} ${params}`);
    }
  }
  return result;
}

/** Returns `sdp` with start and max bitrates (kbps) on every video codec. */
export function withVideoBitrates(sdp, startKbps = 1500, maxKbps = 2500) {
  const params = `x-google-start-bitrate=${startKbps};x-google-max-bitrate=${maxKbps}`;
  const trailing = /\r?\n$/.test(sdp);
  const lines = sdp.replace(/\r?\n$/, '').split(/\r?\n/);
  const sections = splitSections(lines).map((section) =>
    section.length && section[0].startsWith('m=video') ? withBitrates(section, params) : section);
  return sections.flat().join('\r\n') + (trailing ? '\r\n' : '');
}
