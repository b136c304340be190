// Holdout evaluation of the purchase-propensity models (BTYDplus vignette protocol).

import type { PurchaseEvent } from '../propensity/events.ts'
import { bgnbdExpectedPurchases, fitBgnbd } from '../propensity/bgnbd.ts'
import { scorePropensity, trainPropensityModel } from '../propensity/classifier.ts'
import { auc, buildCbs, dayIndex, groupPurchaseDays, meanAbsoluteError } from '../propensity/events.ts'
import { fitParetoNbd, paretoNbdExpectedPurchases } from '../propensity/pareto-nbd.ts'

const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0)
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4

export interface CalibrationDecile { predicted: number, actual: number, n: number }
export interface Calibration {
  /** Expected calibration error: Σ over deciles of n/N · |mean predicted − observed rate|. */
  ece: number
  /** Equal-count bins of the predicted probability, lowest first. */
  deciles: CalibrationDecile[]
}

/** Reliability of probabilities against 0/1 outcomes, in 10 equal-count bins of the prediction. */
export function calibration(predicted: readonly number[], outcome: readonly boolean[]): Calibration {
  const order = predicted.map((_, i) => i).sort((a, b) => predicted[a]! - predicted[b]!)
  const n = order.length
  const deciles: CalibrationDecile[] = []
  let ece = 0
  for (let d = 0; d < 10; d++) {
    const bin = order.slice(Math.floor((d * n) / 10), Math.floor(((d + 1) * n) / 10))
    if (!bin.length)
      continue
    const p = sum(bin.map(i => predicted[i]!)) / bin.length
    const a = bin.filter(i => outcome[i]).length / bin.length
    ece += (bin.length / n) * Math.abs(p - a)
    deciles.push({ predicted: round4(p), actual: round4(a), n: bin.length })
  }
  return { ece: round4(ece), deciles }
}

export function evaluatePropensity(events: Iterable<PurchaseEvent>, calibrationEnd: string, holdoutEnd: string) {
  const cal = dayIndex(calibrationEnd)
  const hold = dayIndex(holdoutEnd)
  const horizonWeeks = (hold - cal) / 7
  const days = groupPurchaseDays(events)
  const cbs = buildCbs(days, cal, hold)
  const actual = cbs.map(c => c.xStar)
  const bought = cbs.map(c => c.xStar > 0)
  const t0 = performance.now()
  const bg = fitBgnbd(cbs)
  const pn = fitParetoNbd(cbs)
  const ours = trainPropensityModel(days, cal, hold - cal)
  const fitSeconds = (performance.now() - t0) / 1000
  const eBg = cbs.map(c => bgnbdExpectedPurchases(bg.params, c, horizonWeeks))
  const ePn = cbs.map(c => paretoNbdExpectedPurchases(pn.params, c, horizonWeeks))
  const sOurs = cbs.map(c => scorePropensity(ours, days.get(c.customerId)!, hold - cal))
  const eOurs = sOurs.map(s => s.expectedPurchases)
  const pOurs = sOurs.map(s => s.pBuy)
  // Heuristic rankings (no probabilities): more recent buyer first; more repeat purchases first, ties
  // by recency. Weeks since the last purchase are < 10^4, so x·10^4 − recency orders lexicographically.
  const recency = cbs.map(c => -(c.T - c.tx))
  const frequencyRecency = cbs.map(c => c.x * 1e4 - (c.T - c.tx))
  return {
    models: {
      bgnbd: {
        params: bg.params,
        loglik: bg.logLik,
        holdout_predicted: sum(eBg),
        holdout_actual: sum(actual),
        mae: meanAbsoluteError(eBg, actual),
        auc: auc(eBg, bought),
      },
      pareto_nbd: {
        params: pn.params,
        loglik: pn.logLik,
        holdout_predicted: sum(ePn),
        holdout_actual: sum(actual),
        mae: meanAbsoluteError(ePn, actual),
        auc: auc(ePn, bought),
      },
      recency: { auc: auc(recency, bought) },
      frequencyRecency: { auc: auc(frequencyRecency, bought) },
      ours: {
        auc: auc(pOurs, bought),
        mae: meanAbsoluteError(eOurs, actual),
        holdout_predicted: sum(eOurs),
        auc_expected: auc(eOurs, bought),
        mean_p_buy: round4(sum(pOurs) / Math.max(1, pOurs.length)),
        calibration: calibration(pOurs, bought),
      },
    },
    horizon_weeks: horizonWeeks,
    customers: cbs.length,
    holdout_buyer_share: bought.filter(Boolean).length / Math.max(1, cbs.length),
    fit_seconds: fitSeconds,
  }
}
