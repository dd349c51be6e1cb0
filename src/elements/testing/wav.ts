/** A blob URL of a short WAV file (a quiet 440 Hz tone), for tests and stories that play an audio file. */
export function toneFileUrl(seconds = 1): string {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const bytes = new DataView(new ArrayBuffer(44 + samples));
  const text = (offset: number, value: string) => [...value].forEach((char, i) => bytes.setUint8(offset + i, char.charCodeAt(0)));
  text(0, 'RIFF');
  bytes.setUint32(4, 36 + samples, true);
  text(8, 'WAVEfmt ');
  bytes.setUint32(16, 16, true);
  bytes.setUint16(20, 1, true); // PCM
  bytes.setUint16(22, 1, true); // mono
  bytes.setUint32(24, rate, true);
  bytes.setUint32(28, rate, true);
  bytes.setUint16(32, 1, true);
  bytes.setUint16(34, 8, true); // 8-bit unsigned
  text(36, 'data');
  bytes.setUint32(40, samples, true);
  for (let i = 0; i < samples; i++) bytes.setUint8(44 + i, 128 + Math.round(8 * Math.sin((2 * Math.PI * 440 * i) / rate)));
  return URL.createObjectURL(new Blob([bytes.buffer], { type: 'audio/wav' }));
}
