export * from "./car-soccer-room.js";
export * from "./duplicate-live.js";
export * from "./duplicate-room.js";
export * from "./live.js";
export * from "./live-rooms.js";
export * from "./room-clocks.js";
