// Holdout evaluation of the purchase-propensity models (BTYDplus vignette protocol).

import type { PurchaseEvent } from '../propensity/events.ts'
import { bgnbdExpectedPurchases, fitBgnbd } from '../propensity/bgnbd.ts'
import { scorePropensity, trainPropensityModel } from '../propensity/classifier.ts'
import { auc, buildCbs, dayIndex, groupPurchaseDays, meanAbsoluteError } from '../propensity/events.ts'
import { fitParetoNbd, paretoNbdExpectedPurchases } from '../propensity/pareto-nbd.ts'

const sum = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0)

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
      ours: {
        auc: auc(sOurs.map(s => s.pBuy), bought),
        mae: meanAbsoluteError(eOurs, actual),
        holdout_predicted: sum(eOurs),
        auc_expected: auc(eOurs, bought),
      },
    },
    customers: cbs.length,
    holdout_buyer_share: bought.filter(Boolean).length / Math.max(1, cbs.length),
    fit_seconds: fitSeconds,
  }
}
