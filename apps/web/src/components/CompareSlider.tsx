import { useState } from 'react';

/**
 * Before on the left, after on the right of a draggable (and keyboard-movable) divider. At
 * the page's width the two look alike, so "1:1" shows the result at its real pixels in a
 * scrollable frame (the original stretched to match), and "Fit" brings it back.
 */
export function CompareSlider({ before, after, width, height }: { before: string; after: string; width: number; height: number }) {
  const [position, setPosition] = useState(50);
  const [actualSize, setActualSize] = useState(false);
  return (
    <div className="compare-frame">
      <div className="row tight" role="group" aria-label="Zoom">
        <button type="button" aria-pressed={!actualSize} onClick={() => setActualSize(false)}>
          Fit
        </button>
        <button type="button" aria-pressed={actualSize} onClick={() => setActualSize(true)}>
          1:1
        </button>
      </div>
      <div className={actualSize ? 'compare-scroll' : undefined} data-testid="compare-viewport">
        <div className="compare" style={actualSize ? { width, height } : { aspectRatio: `${width} / ${height}` }} data-zoom={actualSize ? 'actual' : 'fit'}>
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
      </div>
    </div>
  );
}
