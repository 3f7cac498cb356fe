import { describeFailure, type ApiFailure } from '../lib/errors.ts';

export function ErrorMessage({ failure, resetAt }: { failure: ApiFailure | undefined; resetAt?: string | undefined }) {
  if (!failure) return null;
  return (
    <p className="error" role="alert">
      {describeFailure(failure, resetAt ? { resetAt } : {})}
    </p>
  );
}
