export { VisionChat } from './nodes/VisionChat/VisionChat.node';
export { VisionChatApi } from './credentials/VisionChatApi.credentials';
export * from './nodes/VisionChat/stream';
