import type { HookName, HookContext } from './types.js';
import { codeText } from '../record/display.js';
import type { CodeRef } from '../record/record.js';
import type { DraftOrder } from '../knowledge/types.js';

/** Request resources that can carry a procedure order. */
const ORDER_TYPES = new Set(['ServiceRequest', 'ProcedureRequest', 'MedicationRequest', 'DeviceRequest', 'NutritionOrder']);

function codesOf(resource: Record<string, any>): CodeRef[] {
  const concept = resource.code ?? resource.medicationCodeableConcept;
  const codings: unknown[] = Array.isArray(concept?.coding) ? concept.coding : [];
  return codings
    .filter((c): c is { system?: unknown; code?: unknown; display?: unknown } => typeof c === 'object' && c !== null)
    .filter((c) => typeof c.code === 'string' && c.code !== '')
    .map((c) => ({
      code: c.code as string,
      ...(typeof c.system === 'string' && c.system ? { system: c.system } : {}),
      ...(typeof c.display === 'string' && c.display ? { display: c.display } : {}),
    }));
}

function labelOf(resource: Record<string, any>, codes: CodeRef[]): string {
  const text = resource.code?.text;
  if (typeof text === 'string' && text.trim()) return text.trim();
  const display = codes.find((c) => c.display)?.display;
  return display ?? (codes[0] ? codeText(codes[0]) : String(resource.resourceType));
}

/** Draft orders of the context as rule input; tolerant of the empty codings and missing fields real clients send. */
export function draftOrdersOf(context: HookContext): DraftOrder[] {
  const entries: unknown[] = Array.isArray(context.draftOrders?.entry) ? context.draftOrders.entry : [];
  const orders: DraftOrder[] = [];
  for (const entry of entries) {
    const resource = (entry as { resource?: Record<string, any> } | null)?.resource;
    if (!resource || typeof resource.resourceType !== 'string' || !ORDER_TYPES.has(resource.resourceType)) continue;
    const codes = codesOf(resource);
    const id = typeof resource.id === 'string' ? resource.id : '';
    orders.push({ reference: `${resource.resourceType}/${id}`, resourceType: resource.resourceType, codes, label: labelOf(resource, codes) });
  }
  return orders;
}

/**
 * The orders a call is about (clinical-rules.md §3.1 "Hooks"): on order-select the selected ones,
 * on order-sign all draft orders; none on patient-view.
 */
export function ordersInScope(hook: HookName, context: HookContext): DraftOrder[] {
  if (hook === 'patient-view') return [];
  const orders = draftOrdersOf(context);
  if (hook === 'order-sign') return orders;
  const selected = new Set(Array.isArray(context.selections) ? context.selections : []);
  return orders.filter((order) => selected.has(order.reference));
}

export function taceOrders(orders: DraftOrder[], isTaceCode: (code: CodeRef) => boolean): DraftOrder[] {
  return orders.filter((order) => order.resourceType === 'ServiceRequest' || order.resourceType === 'ProcedureRequest')
    .filter((order) => order.codes.some(isTaceCode));
}

/** The TACE orders a call is about: the orders in scope whose code is a TACE order code of the loaded value sets. */
export function taceOrdersInScope(hook: HookName, context: HookContext, isTaceOrderCode: (code: CodeRef) => boolean): DraftOrder[] {
  return taceOrders(ordersInScope(hook, context), isTaceOrderCode);
}
