import { useState } from 'react';

/** Before on the left, after on the right of a draggable (and keyboard-movable) divider. */
export function CompareSlider({ before, after, width, height }: { before: string; after: string; width: number; height: number }) {
  const [position, setPosition] = useState(50);
  return (
    <div className="compare" style={{ aspectRatio: `${width} / ${height}` }}>
      <img src={after} alt="Enhanced" width={width} height={height} />
      <img src={before} alt="Original" className="compare-before" style={{ clipPath: `inset(0 ${100 - position}% 0 0)` }} width={width} height={height} />
      <input
        type="range"
        min={0}
        max={100}
        value={position}
        aria-label="Compare original and enhanced"
        onChange={(event) => setPosition(Number(event.target.value))}
      />
    </div>
  );
}
