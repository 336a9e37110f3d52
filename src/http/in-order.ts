// A response serializer that keeps the keys in the order the handler built them (Ortto's recorded
// order, or the profile's). Fastify's schema serializer writes required keys first, which would
// change it; the response schema still documents the body. Use as a route's serializerCompiler.
export const inOrder = () => (data: unknown) => JSON.stringify(data);
