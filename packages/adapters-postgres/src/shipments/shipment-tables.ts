import type { Timestamp } from '../database.js'

export interface ShipmentsTable {
  id: string
  order_id: string
  carrier: string
  tracking_number: string
  status: string
  shipped_at: Timestamp
  delivered_at: Timestamp | null
}

export interface ShipmentLinesTable {
  shipment_id: string
  order_line_id: string
  quantity: number
}

export interface TrackingEventsTable {
  id: string
  shipment_id: string
  status: string
  description: string
  location: string | null
  occurred_at: Timestamp
}

export interface ShipmentTables {
  shipments: ShipmentsTable
  shipment_lines: ShipmentLinesTable
  tracking_events: TrackingEventsTable
}
