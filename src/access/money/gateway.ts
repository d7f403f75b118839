// A payment gateway's webhook (webhook:stripe) reports what its provider saw, and only about its own
// provider's payments (design.md "Who acts"): it completes or fails a payment only when the payment is
// that provider's, and only naming the provider's payment id, so every completion it causes says
// which gateway payment took the money. Admins record a gateway's outcome by hand without these limits.
import { ForbiddenError, ValidationError } from '../../db/errors.js';
import type { Payment } from '../../db/types.js';
import { webhookProvider } from '../core/actor.js';
import type { OperationContext } from '../core/context.js';

export function checkWebhookClaim(ctx: OperationContext, payment: Payment, claim: { gateway?: string | null; gatewayPaymentId?: string | null }): void {
  const provider = webhookProvider(ctx.actor);
  if (provider === null) return;
  if (payment.gateway !== provider || (claim.gateway != null && claim.gateway !== provider)) {
    throw new ForbiddenError(`webhook:${provider} may not act on payment ${payment.id} (${payment.gateway ?? 'no gateway'}): it reports only ${provider} payments`);
  }
  if (claim.gatewayPaymentId == null) {
    throw new ValidationError('gatewayPaymentId: a webhook names the gateway payment it reports', ['gatewayPaymentId: a webhook names the gateway payment it reports'], ['gatewayPaymentId']);
  }
}
