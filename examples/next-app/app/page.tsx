export default function Home() {
  return <p>NexDrive example: GET /api/slots, POST /api/bookings (a server action)</p>;
}
