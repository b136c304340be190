// Explore slots: of every ten places in a member's list, a fixed number go to items she never
// bought and the rest to her repeat items, each side ranked by the same blend; the two sides are
// interleaved evenly (3 slots: new items at places 2, 5, 9, 12, 15, 19, …). The fit procedure
// learns the number on validation (nbr/tune.ts), in place of one global boost for new items.
//
// Why slots rather than a boost: with a boost, how many new items reach her list depends on how
// strong her own repeat scores happen to be, so members with a long history get none and new
// members get mostly new items. Measured on Ta-Feng keyset 0, history-only, same blend weights
// (test R@10 / explore R@10): boost 0.5 → .1537 / .0569, boost 1 → .1507 / .0602; 3 slots →
// .1548 / .0599 (and a better validation objective). One multiplier per member giving exactly
// the slots in her top 10 but not beyond scored lower on validation (R@20 suffers). Making the
// slot count depend on her own repeat ratio (more slots for members who rarely rebuy) scored
// .0015 higher on validation but no better on test: not shipped.
//
// How the list came to find more new items than the store-wide list (history-only Ta-Feng, five
// keysets, test R@10 / explore R@10 against the store-wide .0579): not by a better ranker for the
// new side (below) but by a better repeat side, which leaves room for one more new place. Weighting
// her own items by how readily members rebuy them (nbr/model.ts repeatPropensities) raised repeat
// R@10 at 2 slots from .556 to .586, and took 4 slots from .1484 / .0602 to .1514 / .0599; the fit
// reaches for 4 because it now keeps only weights that match the store-wide list's explore recall on
// validation (nbr/tune.ts chooseGridPoint). The measurements below predate the propensity.
//
// Why the new side is ranked by the same blend, not a ranker of its own: none found beats the
// store-wide list (G-TopFreq, which gives about 9 of its 10 places to items new to her) in the 2–3
// places the fit can spare while R@10 stays ≥ .15. Measured history-only on Ta-Feng: share of her
// new target items among her top-m new items, m = 2 / 3 / 4, validation → keyset-0 test (the
// store-wide top 10: .0485 → .0597). The blend now (neighbours + popular / 6): .0295/.0376/.0443
// → .0452/.0547/.0614. Popularity over first purchases only ("what customers newly try",
// recency-weighted; decays .3–1 alike): .0321/.0390/.0433 → .0462/.0551/.0620, with the
// neighbours .0340/.0419/.0479 → .0461/.0576/.0636. Item to item "had i, later tried j", shrunk
// to that popularity: .0332/.0415/.0461 → .0469/.0569/.0623, with the neighbours .0325/.0428/.0476
// → .0471/.0587/.0640. Fitted end to end (first-purchase popularity for her new items, purchase
// popularity for her repeat ones; weights and slots learned as always): validation objective
// .1666 vs .1634 with 3 slots; test R@10 / explore R@10 keyset 0 .1528 / .0574 (now .1556 /
// .0529, store-wide .0597), keyset 1 .1412 / .0529 (now .1461 / .0494, store-wide .0569): fewer
// items found overall and still short on new ones, so not shipped.
//
// A learned new-item ranker does no better in history-only mode. Candidates: her new items in the
// top 40 of any source (neighbours, popular, complement, first-purchase popularity, blend);
// 18 features (each source's score and 1/(1 + rank), log item count, trial and repeat rates,
// her history length and past share of new items, and their products with the sources); a
// softmax listwise loss (L2, 300 deterministic Adam steps from the blend) on 2,000 validation
// members; repeat side and blend weights as shipped (neighbours 3, popular 0.5). Test R@10 /
// explore R@10, five-keyset means, blend → learned order of the new side: history-only 2 slots
// .1535/.0500 → .1519/.0480, 3 slots .1525/.0564 → .1511/.0550, 4 slots .1484/.0602 →
// .1480/.0602 (validation, in-sample, 3 slots: explore .0456 → .0459: no signal beyond the
// blend); published protocol 2 slots .1607/.0564 → .1609/.0570, 3 slots .1603/.0631 →
// .1624/.0658, 4 slots .1582/.0692 → .1614/.0729. It learns only where other members' target
// baskets are in training (the time signal a live system lacks). A pointwise logistic ranker was
// worse still (keyset 0, history-only, 3 slots: explore .0611 → .0499), and merging both sides by
// its hit probabilities (offset for new items chosen on validation) was behind slots (keyset 0:
// .1562/.0510 against 2 slots' .1556/.0529 and 3 slots' .1569/.0611). A separate new-side blend
// (neighbours + a × popular + b × first-purchase popularity, a and b chosen on validation: .0456 →
// .0474 there) gave 3 slots .1526/.0562 on test. Not shipped.

/** Slots are counted per this many places: the guide sees ten recommendations. */
export const EXPLORE_LIST_SIZE = 10

/**
 * The side of each place in the interleaved list: true for a new item. Place p (1-based) holds a
 * new item when round(p × slots / 10) new items are due by then; a side that runs out leaves the
 * rest to the other.
 */
export function interleaveSides(repeatCount: number, newCount: number, slots: number, length = repeatCount + newCount): boolean[] {
  const share = slots / EXPLORE_LIST_SIZE
  const out: boolean[] = []
  let r = 0
  let n = 0
  for (let p = 1; p <= length && r + n < repeatCount + newCount; p++) {
    const wantNew = Math.round(p * share) > n
    const takeNew = n < newCount && (wantNew || r >= repeatCount)
    out.push(takeNew)
    if (takeNew)
      n++
    else r++
  }
  return out
}

/**
 * Scores for her new items (blend scores sorted from highest, like the repeat ones) that sort
 * the two sides into the interleaved order: each run of new items gets scores spaced
 * geometrically between the repeat items around it (or its own blends, rescaled, above the
 * first or below the last repeat item), so repeat scores stay as they are and
 * every score keeps its meaning for serving's later re-weighting. Equal repeat scores around a
 * run leave a tie that item ids settle.
 */
export function slottedNewScores(repeatDesc: readonly number[], newDesc: readonly number[], slots: number): number[] {
  if (repeatDesc.length === 0)
    return [...newDesc]
  const sides = interleaveSides(repeatDesc.length, newDesc.length, slots)
  const out: number[] = []
  let r = 0
  let p = 0
  while (p < sides.length) {
    if (!sides[p]) {
      r++
      p++
      continue
    }
    let run = 0
    while (p + run < sides.length && sides[p + run]) run++
    const above = r > 0 ? repeatDesc[r - 1]! : undefined
    const below = r < repeatDesc.length ? repeatDesc[r]! : undefined
    const first = newDesc[out.length]!
    const last = newDesc[out.length + run - 1]!
    for (let i = 1; i <= run; i++) {
      const own = newDesc[out.length]!
      if (above !== undefined && below !== undefined)
        out.push(above * (below / above) ** (i / (run + 1)))
      // A run with no repeat item on one side keeps its own blend ratios (halving per place
      // would shrink a long tail to nothing).
      else if (above !== undefined)
        out.push(above / 2 * own / first)
      else out.push(below! * 2 * own / last)
    }
    p += run
  }
  return out
}
